/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TOPOLOGY_HOLDERS_H
#define DAXPIN_TOPOLOGY_HOLDERS_H

/* Fronts lib/holders/. */

#include <stdbool.h>
#include <stddef.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

/*
 * The holders of every namespace and dax device of a topology, found by
 * one scan, reference owners included (daxpin list --holders, watch), and
 * attached to each as its holders member, valid until
 * daxpin_topology_holders_free().
 */
struct daxpin_topology_holders {
	struct daxpin_holders *h;	/* what the objects' holders point to */
	size_t nr;
	/*
	 * why the owners of page references are not among the holders, or
	 * NULL (also when nothing in the topology has struct pages)
	 */
	const char *owners_reason;
};

/*
 * timeout_ms and flags as for daxpin_holders_scan(); with
 * DAXPIN_HOLDERS_NO_BPF the reference owners (found by BPF) are not searched
 */
int daxpin_topology_holders_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
				 unsigned int timeout_ms, unsigned int flags,
				 struct daxpin_topology_holders *th);
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
