// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The holders of every namespace and dax device of a topology, and the
 * owners of targets' page references merged into holders
 * (include/daxpin/topology_holders.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/memory.h>
#include <daxpin/owners.h>
#include <daxpin/pagestate.h>
#include <daxpin/topology_holders.h>

#include "core/private.h"
#include "pages/pages_internal.h"

/* Whether d is the kmem device whose memory the owners target arg is. */
static bool is_sysram_of(const struct daxpin_daxdev *d, void *arg)
{
	const struct daxpin_owners_target *ot = arg;

	return d->driver == DAXPIN_DRIVER_KMEM && d->nr_ranges && d->ranges[0].pfn == ot->ranges[0].pfn;
}

/* The blocking and unmovable pages of m's blocks, summed; 0 or -errno. */
static int sysram_pages(struct daxpin_memory *m, struct daxpin_pagestate *ps,
			struct daxpin_memblock_pages *sum)
{
	int rc = daxpin_memory_scan_pages(m, ps);

	*sum = (struct daxpin_memblock_pages){};
	for (size_t i = 0; !rc && i < m->nr_blocks; i++) {
		const struct daxpin_memblock_pages *p = &m->blocks[i].pages;

		sum->referenced += p->referenced;
		sum->pinned += p->pinned;
		sum->slab += p->slab;
		sum->page_tables += p->page_tables;
		sum->reserved += p->reserved;
		sum->kernel += p->kernel;
	}
	return rc;
}

/*
 * System RAM has no idle reference count to measure references against:
 * its blocking pages, classified as daxpin memory does, are what the
 * owners must explain, and the kernel's own pages are named by kind.
 * References that no owner explains are counted again by a second scan:
 * a process that is exiting holds the pages it unmapped until they are
 * freed (the kernel's TLB batch), referenced and mapped by nobody for a
 * moment; only what both scans see counts as unattributed.
 */
static int sysram_unattributed(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
			       const struct daxpin_owners_target *ot, struct daxpin_target_owners *to)
{
	const struct daxpin_daxdev *d = daxpin_topology_find_daxdev(t, is_sysram_of, (void *)ot);
	struct daxpin_pagestate *ps = NULL;
	struct daxpin_memblock_pages sum, again;
	struct daxpin_memory *m = NULL;
	int rc;

	if (!d)
		return 0;
	rc = daxpin_memory_read(ctx, d, &m);
	if (!rc)
		rc = daxpin_pagestate_open(ctx, &ps);
	/* unreadable pages leave refs_known false: the owners' reason says why */
	if (!rc && sysram_pages(m, ps, &sum) == 0) {
		to->refs_known = true;
		to->refs = sum.referenced + sum.pinned;
		to->unattributed = to->refs > to->attributed ? to->refs - to->attributed : 0;
		if (to->unattributed && sysram_pages(m, ps, &again) == 0) {
			uint64_t refs = again.referenced + again.pinned;
			uint64_t still = refs > to->attributed ? refs - to->attributed : 0;

			dbg(ctx, "%s: %" PRIu64 " unattributed references, %" PRIu64 " in a second scan\n",
			    d->dev, to->unattributed, still);
			if (still < to->unattributed)
				to->unattributed = still;
		}
		to->unmovable_known = true;
		to->unmovable = (struct daxpin_unmovable_pages){ sum.slab, sum.page_tables,
								 sum.reserved, sum.kernel };
	}
	daxpin_pagestate_close(ps);
	daxpin_memory_free(m);
	return rc == -ENOMEM ? rc : 0;
}

/*
 * A target's pages, one part per device: a region's target spans dax
 * devices, fsdax namespaces and system RAM, whose pages count references
 * each their own way (idle refcount, folio size). A namespace's block
 * device and filesystem keys share a number and are one part.
 */
struct owners_parts {
	struct daxpin_owners_target *ot;
	size_t *of;		/* the target each part is of */
	size_t nr;
};

static bool key_repeats(const struct daxpin_target *t, size_t i)
{
	const struct daxpin_key *k = &t->keys[i];

	for (size_t j = 0; j < t->nr_keys; j++)
		if (j != i && t->keys[j].kind == DAXPIN_KEY_BLOCKDEV && t->keys[j].dev == k->dev &&
		    k->kind == DAXPIN_KEY_FILESYSTEM)
			return true;
	return false;
}

static int part_push(struct owners_parts *p, size_t target, struct daxpin_owners_target *ot)
{
	struct daxpin_owners_target *grown = realloc(p->ot, (p->nr + 1) * sizeof(*grown));
	size_t *of;

	if (grown)
		p->ot = grown;
	of = grown ? realloc(p->of, (p->nr + 1) * sizeof(*of)) : NULL;
	if (!of) {
		daxpin_owners_target_clear(ot);
		return -ENOMEM;
	}
	p->of = of;
	p->ot[p->nr] = *ot;
	p->of[p->nr++] = target;
	return 0;
}

static int parts_of(const struct daxpin_topology *topo, const struct daxpin_target *t,
		    size_t target, struct owners_parts *p, bool *has_pages)
{
	struct daxpin_owners_target ot;
	size_t before = p->nr;
	int rc = 0;

	for (size_t i = 0; i < t->nr_keys && !rc; i++) {
		struct daxpin_target one = { .keys = &t->keys[i], .nr_keys = 1 };

		if (key_repeats(t, i))
			continue;
		rc = daxpin_owners_target_from(topo, &one, &ot);
		if (!rc && ot.nr_ranges)
			rc = part_push(p, target, &ot);
		else
			daxpin_owners_target_clear(&ot);
	}
	*has_pages |= p->nr > before;
	/* no pages (a single file): one empty part, so the target has owners */
	if (!rc && p->nr == before) {
		memset(&ot, 0, sizeof(ot));
		rc = part_push(p, target, &ot);
	}
	return rc;
}

/* src's references join dst's, those through the same fd as one */
static int owner_merge(struct daxpin_owner *dst, struct daxpin_owner *src)
{
	for (size_t i = 0; i < src->nr_refs; i++) {
		struct daxpin_reference *r = &src->refs[i], *d = NULL;
		struct daxpin_pfn_range *runs;

		for (size_t j = 0; j < dst->nr_refs && !d; j++)
			if (dst->refs[j].fd == r->fd && dst->refs[j].kind == r->kind)
				d = &dst->refs[j];
		if (!d) {
			d = array_push(&dst->refs, &dst->nr_refs, sizeof(*d));
			if (!d)
				return -ENOMEM;
			*d = *r;
			r->runs = NULL;
			r->nr_runs = 0;
			continue;
		}
		runs = realloc(d->runs, (d->nr_runs + r->nr_runs + 1) * sizeof(*runs));
		if (!runs)
			return -ENOMEM;
		memcpy(runs + d->nr_runs, r->runs, r->nr_runs * sizeof(*runs));
		d->runs = runs;
		d->nr_runs += r->nr_runs;
		d->pages += r->pages;
	}
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct daxpin_reference *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct daxpin_owner *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Part src's owners and counts join those of dst, its target's. */
static int target_owners_merge(struct daxpin_target_owners *dst, struct daxpin_target_owners *src,
			       bool first)
{
	if (first) {
		*dst = *src;
		memset(src, 0, sizeof(*src));
		return 0;
	}
	for (size_t i = 0; i < src->nr_owners; i++) {
		struct daxpin_owner *o = &src->owners[i], *d = NULL;
		int rc;

		for (size_t j = 0; j < dst->nr_owners && !d; j++)
			if (dst->owners[j].pid == o->pid &&
			    dst->owners[j].start_time_ns == o->start_time_ns)
				d = &dst->owners[j];
		if (!d) {
			d = array_push(&dst->owners, &dst->nr_owners, sizeof(*d));
			if (!d)
				return -ENOMEM;
			*d = *o;
			o->refs = NULL;
			o->nr_refs = 0;
			continue;
		}
		rc = owner_merge(d, o);
		if (rc)
			return rc;
		qsort(d->refs, d->nr_refs, sizeof(*d->refs), ref_cmp);
	}
	qsort(dst->owners, dst->nr_owners, sizeof(*dst->owners), owner_cmp);
	dst->attributed += src->attributed;
	dst->refs_known &= src->refs_known;
	dst->refs += src->refs;
	dst->unattributed += src->unattributed;
	dst->truncated |= src->truncated;
	dst->unmovable_known |= src->unmovable_known;
	dst->unmovable.slab += src->unmovable.slab;
	dst->unmovable.page_tables += src->unmovable.page_tables;
	dst->unmovable.reserved += src->unmovable.reserved;
	dst->unmovable.kernel += src->unmovable.kernel;
	return 0;
}

/* The owners of the parts, one per target again; o's parts are taken over. */
static int owners_join(struct daxpin_owners *o, const struct owners_parts *p, size_t nr,
		       struct daxpin_owners **out)
{
	struct daxpin_owners *j = calloc(1, sizeof(*j));
	int rc = 0;

	if (!j || !(j->targets = calloc(nr ? nr : 1, sizeof(*j->targets)))) {
		free(j);
		return -ENOMEM;
	}
	j->nr_targets = nr;
	j->reason = o->reason;
	j->error = o->error;
	j->refs_reason = o->refs_reason;
	o->reason = o->refs_reason = NULL;
	for (size_t i = 0; i < p->nr && i < o->nr_targets && !rc && !j->reason; i++)
		rc = target_owners_merge(&j->targets[p->of[i]], &o->targets[i],
					 i == 0 || p->of[i - 1] != p->of[i]);
	daxpin_owners_free(o);
	if (rc) {
		daxpin_owners_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

DAXPIN_EXPORT int daxpin_holders_find_owners(struct daxpin_ctx *ctx,
					     const struct daxpin_topology *topo,
					     const struct daxpin_target *targets, size_t nr,
					     struct daxpin_holders *h, bool *has_pages)
{
	struct owners_parts p = {};
	struct daxpin_owners *o = NULL;
	int rc = 0;

	for (size_t i = 0; i < nr && !rc; i++) {
		struct daxpin_owners_target none = {};

		rc = topo ? parts_of(topo, &targets[i], i, &p, has_pages) : part_push(&p, i, &none);
	}
	if (!rc)
		rc = daxpin_owners_scan(ctx, p.ot, p.nr, &o);
	for (size_t i = 0; i < p.nr && !rc && !o->reason; i++)
		if (p.ot[i].kind == DAXPIN_PAGE_SYSRAM && p.ot[i].nr_ranges)
			rc = sysram_unattributed(ctx, topo, &p.ot[i], &o->targets[i]);
	if (!rc) {
		rc = owners_join(o, &p, nr, &o);
		if (rc)
			o = NULL;
	}
	if (!rc)
		rc = daxpin_holders_add_owners(h, o);
	else
		daxpin_owners_free(o);
	for (size_t i = 0; i < p.nr; i++)
		daxpin_owners_target_clear(&p.ot[i]);
	free(p.ot);
	free(p.of);
	return rc;
}

/*
 * One target for a namespace or dax device; its slot is the object's
 * holders member, set once the scan has made what it points to.
 */
static int target_add(struct daxpin_topology_holders *th, struct daxpin_target *targets,
		      const struct daxpin_target_holders ***slots,
		      struct daxpin_namespace *ns, struct daxpin_daxdev *d)
{
	struct daxpin_target *target = &targets[th->nr];

	slots[th->nr++] = ns ? &ns->holders : &d->holders;
	return ns ? daxpin_target_add_namespace(target, ns) : daxpin_target_add_daxdev(target, d);
}

DAXPIN_EXPORT int daxpin_topology_holders_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
					       unsigned int timeout_ms, unsigned int flags,
					       struct daxpin_topology_holders *th)
{
	const struct daxpin_target_holders ***slots = NULL;
	struct daxpin_target *targets = NULL;
	size_t n = 0;
	int rc = 0;

	memset(th, 0, sizeof(*th));
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++)
			n += 1 + t->regions[i].namespaces[j].nr_daxdevs;
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		n += t->dax_regions[i].nr_daxdevs;
	targets = calloc(n ? n : 1, sizeof(*targets));
	slots = calloc(n ? n : 1, sizeof(*slots));
	if (!targets || !slots) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->nr_regions && !rc; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces && !rc; j++) {
			struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			rc = target_add(th, targets, slots, ns, NULL);
			for (size_t k = 0; k < ns->nr_daxdevs && !rc; k++)
				rc = target_add(th, targets, slots, NULL, &ns->daxdevs[k]);
		}
	for (size_t i = 0; i < t->nr_dax_regions && !rc; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs && !rc; k++)
			rc = target_add(th, targets, slots, NULL, &t->dax_regions[i].daxdevs[k]);
	if (!rc)
		rc = daxpin_holders_scan(ctx, targets, th->nr, timeout_ms, flags, &th->h);
	/* reference owners count as holders (without root: not searched, quietly) */
	if (!rc && !(flags & DAXPIN_HOLDERS_NO_BPF)) {
		bool has_pages = false;

		rc = daxpin_holders_find_owners(ctx, t, targets, th->nr, th->h, &has_pages);
	}
	for (size_t i = 0; !rc && i < th->nr; i++)
		*slots[i] = &th->h->targets[i];
	if (!rc && topology_page_objects(t))
		th->owners_reason = !th->h->owners ? "not searched: holders read from /proc only, without BPF" :
						  th->h->owners->reason;
out:
	for (size_t i = 0; targets && i < th->nr; i++)
		daxpin_target_clear(&targets[i]);
	free(targets);
	free(slots);
	if (rc < 0)
		daxpin_topology_holders_free(th);
	return rc;
}

DAXPIN_EXPORT void daxpin_topology_holders_free(struct daxpin_topology_holders *th)
{
	daxpin_holders_free(th->h);
	memset(th, 0, sizeof(*th));
}
