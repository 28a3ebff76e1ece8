/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_PAGES_H
#define DAXPIN_CLI_PAGES_H

#include <daxpin/daxpin.h>
#include <daxpin/owners.h>
#include <daxpin/pagestate.h>
#include <sys/types.h>

/* The page state of one namespace or dax device, or why it is unknown. */
struct object_pages {
	const void *obj;	/* struct daxpin_namespace or daxpin_daxdev */
	const char *reason;	/* NULL when counts are valid */
	struct daxpin_page_counts counts;
	/* the ranges scanned; none for a devdax namespace (its devices have them) */
	const struct daxpin_pfn_range *ranges;
	size_t nr_ranges;
	enum daxpin_page_kind kind;
};

/*
 * The page state of every fsdax namespace, devdax namespace (the sum of its
 * devices) and dax device of a topology, read with one BPF program load.
 */
struct topology_pages {
	struct daxpin_pagestate *ps;
	const char *reason;	/* why no page state at all, or NULL */
	int error;		/* the negative errno behind reason */
	struct object_pages *objs;
	size_t nr;
	/* owners of the references (topology_pages_find_owners()), or NULL */
	struct daxpin_owners *owners;
};

int topology_pages_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
			struct topology_pages *tp);
/*
 * The page state of another topology snapshot with the program already
 * loaded (daxpin watch scans again and again); forgets the previous
 * objects, not the owners.
 */
int topology_pages_rescan(struct topology_pages *tp, const struct daxpin_topology *t);
/* NULL when the object has no struct pages (raw, sector) or was not scanned */
const struct object_pages *topology_pages_of(const struct topology_pages *tp,
					     const void *obj);
/* referenced or pinned */
bool object_pages_busy(const struct object_pages *p);
/* The owners of the references of every object scanned (list -v). */
int topology_pages_find_owners(struct daxpin_ctx *ctx, struct topology_pages *tp);
/* The owners holding references to pages of [pfn, pfn + nr_pages): up to
 * max pids into pids, each once; returns how many */
size_t folio_owners(const struct topology_pages *tp, uint64_t pfn, uint64_t nr_pages,
		    pid_t *pids, size_t max);
void topology_pages_free(struct topology_pages *tp);

#endif
