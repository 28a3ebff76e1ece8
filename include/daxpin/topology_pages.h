/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TOPOLOGY_PAGES_H
#define DAXPIN_TOPOLOGY_PAGES_H

/* Fronts lib/pages/. */

#include <stdbool.h>
#include <sys/types.h>

#include <daxpin/daxpin.h>
#include <daxpin/owners.h>
#include <daxpin/pagestate.h>

/*
 * The page state of one namespace or dax device, or why it is unknown;
 * reached through the object's pages member.
 */
struct daxpin_object_pages {
	const char *reason;	/* NULL when counts are valid */
	struct daxpin_page_counts counts;
	/* the ranges scanned; none for a devdax namespace (its devices have them) */
	const struct daxpin_pfn_range *ranges;
	size_t nr_ranges;
	enum daxpin_page_kind kind;
};

/*
 * The page state of every fsdax namespace, devdax namespace (the sum of its
 * devices) and dax device of a topology, read with one BPF program load and
 * attached to each as its pages member, valid until the next rescan or
 * daxpin_topology_pages_free().
 */
struct daxpin_topology_pages {
	struct daxpin_pagestate *ps;
	const char *reason;	/* why no page state at all, or NULL */
	int error;		/* the negative errno behind reason */
	struct daxpin_object_pages *objs;	/* what the objects' pages point to */
	size_t nr;
	/* owners of the references (daxpin_topology_pages_find_owners()), or NULL */
	struct daxpin_owners *owners;
};

int daxpin_topology_pages_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
			       struct daxpin_topology_pages *tp);
/*
 * The page state of another topology snapshot with the program already
 * loaded (daxpin watch scans again and again); forgets the previous
 * objects, not the owners.
 */
int daxpin_topology_pages_rescan(struct daxpin_topology_pages *tp, struct daxpin_topology *t);
/* referenced or pinned */
bool daxpin_object_pages_busy(const struct daxpin_object_pages *p);
/* The owners of the references of every object scanned (list -v). */
int daxpin_topology_pages_find_owners(struct daxpin_ctx *ctx, struct daxpin_topology_pages *tp);
/*
 * The owners holding references to pages of [pfn, pfn + nr_pages): up to
 * max pids into pids, each once; returns how many
 */
size_t daxpin_folio_owners(const struct daxpin_topology_pages *tp, uint64_t pfn,
			   uint64_t nr_pages, pid_t *pids, size_t max);
void daxpin_topology_pages_free(struct daxpin_topology_pages *tp);

#endif
