// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

static struct object_pages *objs_push(struct topology_pages *tp, const void *obj)
{
	struct object_pages *grown = realloc(tp->objs, (tp->nr + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	tp->objs = grown;
	grown += tp->nr++;
	memset(grown, 0, sizeof(*grown));
	grown->obj = obj;
	return grown;
}

static int scan_one(struct topology_pages *tp, struct object_pages *p,
		    const char *unreadable, const struct daxpin_pfn_range *ranges,
		    size_t nr, enum daxpin_page_kind kind)
{
	int rc;

	p->reason = tp->reason ? tp->reason : unreadable;
	if (p->reason)
		return 0;
	p->ranges = ranges;
	p->nr_ranges = nr;
	p->kind = kind;
	rc = daxpin_pagestate_scan(tp->ps, ranges, nr, kind, &p->counts);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		p->reason = "the page scan failed (see DAXPIN_LOG=debug)";
	return 0;
}

static int namespace_scan(struct topology_pages *tp, const struct daxpin_namespace *ns)
{
	struct object_pages *p;
	size_t first;
	int rc;

	if (ns->mode == DAXPIN_NS_MODE_FSDAX) {
		p = objs_push(tp, ns);
		if (!p)
			return -ENOMEM;
		return scan_one(tp, p, daxpin_namespace_pages_unreadable(ns),
				ns->ranges, ns->nr_ranges, DAXPIN_PAGE_FSDAX);
	}
	if (ns->mode != DAXPIN_NS_MODE_DEVDAX)
		return 0;
	first = tp->nr;
	for (size_t i = 0; i < ns->nr_daxdevs; i++) {
		const struct daxpin_daxdev *d = &ns->daxdevs[i];

		p = objs_push(tp, d);
		if (!p)
			return -ENOMEM;
		rc = scan_one(tp, p, daxpin_daxdev_pages_unreadable(d), d->ranges, d->nr_ranges,
			      DAXPIN_PAGE_DEVDAX);
		if (rc)
			return rc;
	}
	/* a devdax namespace holds what its devices hold, known if all are */
	p = objs_push(tp, ns);
	if (!p)
		return -ENOMEM;
	p->reason = tp->reason;
	for (size_t i = first; i < first + ns->nr_daxdevs && !p->reason; i++) {
		p->reason = tp->objs[i].reason;
		daxpin_page_counts_add(&p->counts, &tp->objs[i].counts);
	}
	return 0;
}

int topology_pages_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
			struct topology_pages *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->error = daxpin_pagestate_open(ctx, &tp->ps);
	if (tp->error == -ENOMEM)
		return -ENOMEM;
	tp->reason = daxpin_pagestate_reason(tp->ps);
	return topology_pages_rescan(tp, t);
}

int topology_pages_rescan(struct topology_pages *tp, const struct daxpin_topology *t)
{
	int rc;

	free(tp->objs);
	tp->objs = NULL;
	tp->nr = 0;
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			rc = namespace_scan(tp, &t->regions[i].namespaces[j]);
			if (rc)
				return rc;
		}
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs; k++) {
			const struct daxpin_daxdev *d = &t->dax_regions[i].daxdevs[k];
			struct object_pages *p = objs_push(tp, d);

			if (!p)
				return -ENOMEM;
			rc = scan_one(tp, p, daxpin_daxdev_pages_unreadable(d), d->ranges,
				      d->nr_ranges, DAXPIN_PAGE_DEVDAX);
			if (rc)
				return rc;
		}
	return 0;
}

const struct object_pages *topology_pages_of(const struct topology_pages *tp,
					     const void *obj)
{
	for (size_t i = 0; tp && i < tp->nr; i++)
		if (tp->objs[i].obj == obj)
			return &tp->objs[i];
	return NULL;
}

bool object_pages_busy(const struct object_pages *p)
{
	return p && !p->reason && (p->counts.refs || p->counts.pinned_pages);
}

int topology_pages_find_owners(struct daxpin_ctx *ctx, struct topology_pages *tp)
{
	struct daxpin_owners_target *targets = calloc(tp->nr ? tp->nr : 1, sizeof(*targets));
	int rc;

	if (!targets)
		return -ENOMEM;
	/* borrowed, not copied: the scan only reads them */
	for (size_t i = 0; i < tp->nr; i++)
		targets[i] = (struct daxpin_owners_target){
			.ranges = (struct daxpin_pfn_range *)tp->objs[i].ranges,
			.nr_ranges = tp->objs[i].nr_ranges, .kind = tp->objs[i].kind };
	rc = daxpin_owners_scan(ctx, targets, tp->nr, &tp->owners);
	free(targets);
	return rc;
}

static bool run_overlaps(const struct daxpin_reference *r, uint64_t pfn, uint64_t n)
{
	for (size_t i = 0; i < r->nr_runs; i++)
		if (r->runs[i].pfn < pfn + n && pfn < r->runs[i].pfn + r->runs[i].count)
			return true;
	return false;
}

size_t folio_owners(const struct topology_pages *tp, uint64_t pfn, uint64_t nr_pages,
		    pid_t *pids, size_t max)
{
	size_t nr = 0;

	for (size_t t = 0; tp->owners && t < tp->owners->nr_targets; t++)
		for (size_t i = 0; i < tp->owners->targets[t].nr_owners; i++) {
			const struct daxpin_owner *ow = &tp->owners->targets[t].owners[i];
			bool owns = false, seen = false;

			for (size_t j = 0; j < ow->nr_refs && !owns; j++)
				owns = run_overlaps(&ow->refs[j], pfn, nr_pages);
			for (size_t j = 0; j < nr && !seen; j++)
				seen = pids[j] == ow->pid;
			if (owns && !seen && nr < max)
				pids[nr++] = ow->pid;
		}
	return nr;
}

void topology_pages_free(struct topology_pages *tp)
{
	daxpin_owners_free(tp->owners);
	daxpin_pagestate_close(tp->ps);
	free(tp->objs);
}
