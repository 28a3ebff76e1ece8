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

DAXPIN_EXPORT int daxpin_holders_find_owners(struct daxpin_ctx *ctx,
					     const struct daxpin_topology *topo,
					     const struct daxpin_target *targets, size_t nr,
					     struct daxpin_holders *h, bool *has_pages)
{
	struct daxpin_owners_target *ot = calloc(nr ? nr : 1, sizeof(*ot));
	struct daxpin_owners *o = NULL;
	int rc = 0;

	if (!ot)
		return -ENOMEM;
	for (size_t i = 0; i < nr && topo && !rc; i++) {
		rc = daxpin_owners_target_from(topo, &targets[i], &ot[i]);
		*has_pages |= ot[i].nr_ranges > 0;
	}
	if (!rc)
		rc = daxpin_owners_scan(ctx, ot, nr, &o);
	for (size_t i = 0; i < nr && !rc && !o->reason; i++)
		if (ot[i].kind == DAXPIN_PAGE_SYSRAM && ot[i].nr_ranges)
			rc = sysram_unattributed(ctx, topo, &ot[i], &o->targets[i]);
	if (!rc)
		rc = daxpin_holders_add_owners(h, o);
	for (size_t i = 0; i < nr; i++)
		daxpin_owners_target_clear(&ot[i]);
	free(ot);
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
