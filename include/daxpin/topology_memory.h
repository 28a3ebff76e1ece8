/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TOPOLOGY_MEMORY_H
#define DAXPIN_TOPOLOGY_MEMORY_H

/* Fronts lib/memory/. */

#include <daxpin/memory.h>
#include <daxpin/topology.h>

/*
 * The memory blocks of every system-RAM (kmem) dax device of a topology,
 * attached to each as its memory member, valid until
 * daxpin_topology_memory_free().
 */
struct daxpin_topology_memory {
	struct daxpin_memory **memory;
	size_t nr;
};

/*
 * Reads the blocks of every kmem device and, with ps (NULL: blocks only),
 * classifies their pages (daxpin_memory_scan_pages(): a device whose pages
 * cannot be read says why in its pages_reason). A device whose blocks
 * cannot be read (addresses shown to root only) has no memory member.
 * Returns 0 or -ENOMEM.
 */
int daxpin_topology_memory_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
				struct daxpin_pagestate *ps, struct daxpin_topology_memory *tm);
void daxpin_topology_memory_free(struct daxpin_topology_memory *tm);

#endif
