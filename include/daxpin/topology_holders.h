/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TOPOLOGY_HOLDERS_H
#define DAXPIN_TOPOLOGY_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

/*
 * The holders of every namespace and dax device of a topology, found by
 * one scan, reference owners included (daxpin list --holders, watch).
 */
struct daxpin_topology_holders {
	struct daxpin_holders *h;
	const void **objs;	/* namespace or daxdev of each target */
	size_t nr;
};

/* timeout_ms and flags as for daxpin_holders_scan() */
int daxpin_topology_holders_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
				 unsigned int timeout_ms, unsigned int flags,
				 struct daxpin_topology_holders *th);
/* The holders of a namespace or dax device of the scanned topology; NULL if not scanned. */
const struct daxpin_target_holders *
daxpin_topology_holders_of(const struct daxpin_topology_holders *th, const void *obj);
void daxpin_topology_holders_free(struct daxpin_topology_holders *th);

/*
 * Finds the owners of the page references of targets (of topo; NULL: none
 * have pages) and adds them to h as holders; *has_pages is set when any
 * target has page ranges. Without privilege the owners are not searched
 * and h->owners says why.
 */
int daxpin_holders_find_owners(struct daxpin_ctx *ctx, const struct daxpin_topology *topo,
			       const struct daxpin_target *targets, size_t nr,
			       struct daxpin_holders *h, bool *has_pages);

#endif
