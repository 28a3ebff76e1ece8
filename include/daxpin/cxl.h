/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_CXL_H
#define DAXPIN_CXL_H

/* Fronts lib/cxl/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <daxpin/topology.h>

/*
 * Where persistent memory physically comes from on CXL: each CXL region
 * (libcxl) with its root decoder, interleave, decode state, the memory
 * devices behind it through their endpoints and ports, and the nd region
 * or dax region it feeds in a topology snapshot. Read once by
 * daxpin_cxl_scan(); names are those of `cxl list`. CXL regions and nd
 * regions share one id space, so a CXL region and the nd region it feeds
 * often have the same name ("region1"): daxpin spells the CXL one
 * "cxl:region1".
 */

/* One memory device of a region's interleave set ("mappings" of cxl list). */
struct daxpin_cxl_mapping {
	unsigned int position;
	char *memdev;		/* "mem0" */
	char *decoder;		/* the endpoint decoder, "decoder2.0" */
	uint64_t serial;
	char *host;		/* the PCI device, "0000:0d:00.0" */
	char *endpoint;		/* "endpoint2" */
	/* the switch and host-bridge ports from the endpoint up, "port1" */
	char **ports;
	size_t nr_ports;
};

struct daxpin_cxl_region {
	char *region;		/* "region1" */
	char *decoder;		/* the root decoder, "decoder0.0" */
	char *bus;		/* "root0" */
	uint64_t resource;	/* physical address */
	uint64_t size;
	unsigned int interleave_ways;
	unsigned int interleave_granularity;
	bool committed;		/* decode_state "commit" (else "reset") */
	bool enabled;		/* bound to the cxl_region driver */
	struct daxpin_cxl_mapping *mappings;
	size_t nr_mappings;
	/* what it feeds in the snapshot it was scanned with; NULL: nothing */
	const struct daxpin_region *nd_region;
	const struct daxpin_dax_region *dax_region;
};

struct daxpin_cxl {
	struct daxpin_cxl_region *regions;
	size_t nr_regions;
	char **memdevs;		/* every memory device, "mem0", in a region or not */
	size_t nr_memdevs;
};

/*
 * Reads every CXL region and finds what each feeds in topo (nd regions by
 * physical address; dax regions, of RAM regions, by their dax_regionN).
 * No CXL bus is no error: no regions.
 */
int daxpin_cxl_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *topo,
		    struct daxpin_cxl **cxl);
void daxpin_cxl_free(struct daxpin_cxl *cxl);

/*
 * The CXL region feeding nd region r, or NULL; with NULL, *reason says why
 * none is known where r is on a CXL bus (its physical address is shown to
 * root only), else it is NULL: r does not come from CXL.
 */
const struct daxpin_cxl_region *daxpin_cxl_region_of(const struct daxpin_cxl *cxl,
						     const struct daxpin_region *r,
						     const char **reason);
/*
 * The spelling of a CXL region as a target, "cxl:region1": CXL and nd
 * regions share one id space, so a bare "region1" would name both.
 * daxpin_cxl_target() returns the region's name in a target so spelled,
 * else NULL; daxpin_cxl_lookup() finds it by that name, or NULL.
 */
#define DAXPIN_CXL_TARGET_PREFIX "cxl:"
const char *daxpin_cxl_target(const char *target);
const struct daxpin_cxl_region *daxpin_cxl_lookup(const struct daxpin_cxl *cxl,
						  const char *region);

/*
 * Disables CXL region region ("region1"), as cxl disable-region does: what
 * it feeds goes with it. 0, -ENOENT when there is no such region, or
 * libcxl's error.
 */
int daxpin_cxl_region_disable(struct daxpin_ctx *ctx, const char *region);

/*
 * A memory device as a target: "mem0", also spelled "cxl:mem0".
 * daxpin_cxl_memdev_target() returns its name in a target so spelled, else
 * NULL; daxpin_cxl_memdev_known() whether the scan saw it;
 * daxpin_cxl_memdev_in() whether region r maps it.
 */
const char *daxpin_cxl_memdev_target(const char *target);
bool daxpin_cxl_memdev_known(const struct daxpin_cxl *cxl, const char *memdev);
bool daxpin_cxl_memdev_in(const struct daxpin_cxl_region *r, const char *memdev);

/*
 * Appends to t the keys of everything CXL region r feeds: the namespaces
 * of its nd region, or the dax devices of its dax region (system RAM
 * included). Nothing when it feeds nothing. 0 or -ENOMEM.
 */
struct daxpin_target;
int daxpin_cxl_target_add(struct daxpin_target *t, const struct daxpin_cxl_region *r);

/* The CXL region feeding dax region r, or NULL. */
const struct daxpin_cxl_region *daxpin_cxl_region_of_dax(const struct daxpin_cxl *cxl,
							 const struct daxpin_dax_region *r);

#endif
