// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The page state of every namespace and dax device of a topology, with one
 * page-state handle (include/daxpin/topology_pages.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/topology_pages.h>

#include "core/private.h"
#include "pages_internal.h"

size_t topology_page_objects(const struct daxpin_topology *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			const struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			n += ns->mode == DAXPIN_NS_MODE_FSDAX ||
			     ns->mode == DAXPIN_NS_MODE_DEVDAX;
			n += ns->nr_daxdevs;
		}
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		n += t->dax_regions[i].nr_daxdevs;
	return n;
}

/* objs is sized by topology_page_objects() first, so the objects' pointers into it stay valid */
static struct daxpin_object_pages *object_attach(struct daxpin_topology_pages *tp,
						 const struct daxpin_object_pages **member)
{
	struct daxpin_object_pages *p = &tp->objs[tp->nr++];

	*member = p;
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

static int daxdev_scan(struct daxpin_topology_pages *tp, struct daxpin_daxdev *d)
{
	return scan_one(tp, object_attach(tp, &d->pages), daxpin_daxdev_pages_unreadable(d),
			d->ranges, d->nr_ranges, DAXPIN_PAGE_DEVDAX);
}

static int namespace_scan(struct daxpin_topology_pages *tp, struct daxpin_namespace *ns)
{
	struct daxpin_object_pages *p;
	int rc;

	if (ns->mode == DAXPIN_NS_MODE_FSDAX)
		return scan_one(tp, object_attach(tp, &ns->pages),
				daxpin_namespace_pages_unreadable(ns),
				ns->ranges, ns->nr_ranges, DAXPIN_PAGE_FSDAX);
	if (ns->mode != DAXPIN_NS_MODE_DEVDAX)
		return 0;
	for (size_t i = 0; i < ns->nr_daxdevs; i++) {
		rc = daxdev_scan(tp, &ns->daxdevs[i]);
		if (rc)
			return rc;
	}
	/* a devdax namespace holds what its devices hold, known if all are */
	p = object_attach(tp, &ns->pages);
	p->reason = tp->reason;
	for (size_t i = 0; i < ns->nr_daxdevs && !p->reason; i++) {
		p->reason = ns->daxdevs[i].pages->reason;
		daxpin_page_counts_add(&p->counts, &ns->daxdevs[i].pages->counts);
	}
	return 0;
}

DAXPIN_EXPORT int daxpin_topology_pages_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
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
					       struct daxpin_topology *t)
{
	size_t n = topology_page_objects(t);
	int rc;

	free(tp->objs);
	tp->nr = 0;
	tp->objs = calloc(n ? n : 1, sizeof(*tp->objs));
	if (!tp->objs)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			rc = namespace_scan(tp, &t->regions[i].namespaces[j]);
			if (rc)
				return rc;
		}
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs; k++) {
			rc = daxdev_scan(tp, &t->dax_regions[i].daxdevs[k]);
			if (rc)
				return rc;
		}
	return 0;
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
