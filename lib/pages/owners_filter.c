// SPDX-License-Identifier: LGPL-2.1-or-later
/* The page frames the reference-owners iterator looks for (owners.bpf.c). */
#include "config.h"
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <daxpin/owners.h>

#include "pages_internal.h"
#include "bpf/pages/owners_abi.h"

static int pfn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool in_any_range(const struct daxpin_owners_target *targets, size_t nr, uint64_t pfn)
{
	for (size_t t = 0; t < nr; t++)
		for (size_t i = 0; i < targets[t].nr_ranges; i++) {
			const struct daxpin_pfn_range *r = &targets[t].ranges[i];

			if (pfn >= r->pfn && pfn - r->pfn < r->count)
				return true;
		}
	return false;
}

/*
 * The program's filter: the targets' ranges cut at every edge of any of
 * them, so that no two overlap (the program finds a frame's range by
 * binary search) and none spans an edge (a run never spans two ranges,
 * run_in()); sorted, OWNERS_PFN_PAD after the last.
 */
int owners_filter_fill(const struct daxpin_owners_target *targets, size_t nr,
		       struct owners_filter *f)
{
	size_t nr_edges = 0, total = 0;
	uint64_t *edges;
	int rc = 0;

	for (size_t t = 0; t < nr; t++)
		total += targets[t].nr_ranges;
	edges = malloc((2 * total + 1) * sizeof(*edges));
	if (!edges)
		return -ENOMEM;
	for (size_t t = 0; t < nr; t++)
		for (size_t i = 0; i < targets[t].nr_ranges; i++) {
			const struct daxpin_pfn_range *r = &targets[t].ranges[i];

			if (!r->count)
				continue;
			edges[nr_edges++] = r->pfn;
			edges[nr_edges++] = r->pfn + r->count;
		}
	qsort(edges, nr_edges, sizeof(*edges), pfn_cmp);
	for (size_t i = 0; i < OWNERS_RANGES_MAX; i++)
		f->start[i] = f->end[i] = OWNERS_PFN_PAD;
	f->nr_ranges = 0;
	for (size_t e = 0; e + 1 < nr_edges && !rc; e++) {
		if (edges[e] == edges[e + 1] || !in_any_range(targets, nr, edges[e]))
			continue;
		if (f->nr_ranges == OWNERS_RANGES_MAX) {
			rc = -E2BIG;
			break;
		}
		f->start[f->nr_ranges] = edges[e];
		f->end[f->nr_ranges++] = edges[e + 1];
	}
	free(edges);
	return rc;
}
