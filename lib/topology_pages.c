// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The page state of every namespace and dax device of a topology, with one
 * page-state handle (include/daxpin/topology_pages.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/topology_pages.h>

#include "private.h"

static struct daxpin_object_pages *objs_push(struct daxpin_topology_pages *tp, const void *obj)
{
	struct daxpin_object_pages *p = array_push(&tp->objs, &tp->nr, sizeof(*p));

	if (p)
		p->obj = obj;
	return p;
}

static int scan_one(struct daxpin_topology_pages *tp, struct daxpin_object_pages *p,
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

static int namespace_scan(struct daxpin_topology_pages *tp, const struct daxpin_namespace *ns)
{
	struct daxpin_object_pages *p;
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

DAXPIN_EXPORT int daxpin_topology_pages_scan(struct daxpin_ctx *ctx,
					     const struct daxpin_topology *t,
			struct daxpin_topology_pages *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->error = daxpin_pagestate_open(ctx, &tp->ps);
	if (tp->error == -ENOMEM)
		return -ENOMEM;
	tp->reason = daxpin_pagestate_reason(tp->ps);
	return daxpin_topology_pages_rescan(tp, t);
}

DAXPIN_EXPORT int daxpin_topology_pages_rescan(struct daxpin_topology_pages *tp,
					       const struct daxpin_topology *t)
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
			struct daxpin_object_pages *p = objs_push(tp, d);

			if (!p)
				return -ENOMEM;
			rc = scan_one(tp, p, daxpin_daxdev_pages_unreadable(d), d->ranges,
				      d->nr_ranges, DAXPIN_PAGE_DEVDAX);
			if (rc)
				return rc;
		}
	return 0;
}

DAXPIN_EXPORT const struct daxpin_object_pages *
daxpin_topology_pages_of(const struct daxpin_topology_pages *tp,
					     const void *obj)
{
	for (size_t i = 0; tp && i < tp->nr; i++)
		if (tp->objs[i].obj == obj)
			return &tp->objs[i];
	return NULL;
}

DAXPIN_EXPORT bool daxpin_object_pages_busy(const struct daxpin_object_pages *p)
{
	return p && !p->reason && (p->counts.refs || p->counts.pinned_pages);
}

DAXPIN_EXPORT int daxpin_topology_pages_find_owners(struct daxpin_ctx *ctx,
						    struct daxpin_topology_pages *tp)
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

DAXPIN_EXPORT size_t daxpin_folio_owners(const struct daxpin_topology_pages *tp, uint64_t pfn,
					 uint64_t nr_pages,
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

DAXPIN_EXPORT void daxpin_topology_pages_free(struct daxpin_topology_pages *tp)
{
	daxpin_owners_free(tp->owners);
	daxpin_pagestate_close(tp->ps);
	free(tp->objs);
}
