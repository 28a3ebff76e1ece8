/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PAGES_INTERNAL_H
#define DAXPIN_PAGES_INTERNAL_H

/*
 * What lib/pages/ gives the subsystems above it (holders, drain) beyond
 * its public headers: counts and a scanner whose shape is not API yet.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pages/pagescan_abi.h"

struct daxpin_ctx;
struct daxpin_topology;
struct daxpin_owners;
struct daxpin_owners_target;
struct daxpin_pagestate;

/*
 * topology_pages.c: how many objects of t have page state (fsdax and
 * devdax namespaces, dax devices)
 */
size_t topology_page_objects(const struct daxpin_topology *t);

/*
 * owners.c: the reference-owners iterator loaded once for many scans
 * (a drain's rechecks). Open always gives a scanner (NULL only with
 * -ENOMEM); one that could not load makes every run's result say why. Run
 * counts references with the caller's page-state handle.
 */
struct owners_scanner;
int owners_scanner_open(struct daxpin_ctx *ctx, struct owners_scanner **out);
int owners_scanner_run(struct owners_scanner *sc, struct daxpin_pagestate *ps,
		       const struct daxpin_owners_target *targets, size_t nr_targets,
		       struct daxpin_owners **out);
void owners_scanner_close(struct owners_scanner *sc);

/*
 * owners_filter.c: the targets' page frames as the iterator's filter, the
 * ranges cut at every edge of any of them; -E2BIG beyond
 * OWNERS_RANGES_MAX of those.
 */
struct owners_filter;
int owners_filter_fill(const struct daxpin_owners_target *targets, size_t nr,
		       struct owners_filter *f);

/*
 * pagestate.c: the raw folio runs of [pfn, end), for callers that classify
 * pages by more than their counts (system RAM: lib/memory/). fn returning
 * non-zero ends the walk with that value. The errno daxpin_pagestate_open()
 * failed with when page state is unavailable.
 */
typedef int pagestate_run_fn(const struct pagescan_run *run, void *arg);
int pagestate_walk(struct daxpin_pagestate *ps, uint64_t pfn, uint64_t end,
		   pagestate_run_fn *fn, void *arg);

/*
 * residents.c: every process with pages of t's ranges (system RAM) mapped,
 * appended to to as owners with a DAXPIN_REF_RESIDENT reference; skipped
 * set when some mapping was too large to read.
 */
struct daxpin_target_owners;
int residents_scan(const struct daxpin_owners_target *t, struct daxpin_target_owners *to,
		   bool *skipped);

#endif
