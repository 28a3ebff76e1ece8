/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TOPOLOGY_H
#define DAXPIN_TOPOLOGY_H

/* Fronts lib/topology/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A snapshot of the persistent-memory topology: ndctl regions with their
 * namespaces, the device-dax devices behind them, and dax regions that have
 * no ndctl namespace (hmem, CXL). Everything is read once by
 * daxpin_topology_scan(); the snapshot never changes afterwards, so callers
 * may walk it freely and free it with daxpin_topology_free(). The scans of a
 * whole snapshot (include/daxpin/topology_pages.h, topology_holders.h)
 * attach their results to its namespaces and dax devices.
 */

struct daxpin_ctx;
struct daxpin_object_pages;
struct daxpin_target_holders;
struct daxpin_memory;

/* A range of physical page frames that have struct pages. */
struct daxpin_pfn_range {
	uint64_t pfn;		/* first page frame number */
	uint64_t count;		/* number of base pages */
};

enum daxpin_ns_mode {
	DAXPIN_NS_MODE_RAW,
	DAXPIN_NS_MODE_SECTOR,
	DAXPIN_NS_MODE_FSDAX,
	DAXPIN_NS_MODE_DEVDAX,
	DAXPIN_NS_MODE_UNKNOWN,
};

/* Where the struct pages of a namespace live (ndctl's "map"). */
enum daxpin_map {
	DAXPIN_MAP_NONE,	/* no struct pages: raw or sector */
	DAXPIN_MAP_MEM,
	DAXPIN_MAP_DEV,
};

/* The driver a dax device is bound to. */
enum daxpin_dax_driver {
	DAXPIN_DRIVER_NONE,		/* disabled */
	DAXPIN_DRIVER_DEVICE_DAX,	/* character device, mode "devdax" */
	DAXPIN_DRIVER_KMEM,		/* hot-plugged as system RAM */
	DAXPIN_DRIVER_FSDEV_DAX,	/* famfs (Linux 7.1+) */
	DAXPIN_DRIVER_OTHER,
};

struct daxpin_mapping {
	uint64_t start;		/* physical address, inclusive */
	uint64_t end;		/* physical address, inclusive */
	uint64_t page_offset;	/* offset in the device, in pages */
};

struct daxpin_mount {
	char *target;		/* mount point, as seen by this process */
	char *fstype;
	char *source;
	/* "always", "inode", "never", or NULL when the filesystem has no dax option */
	const char *dax;
};

struct daxpin_region;
struct daxpin_namespace;

struct daxpin_daxdev {
	char *dev;		/* "dax0.0", also the chardev name */
	unsigned int major, minor;
	uint64_t size;
	uint64_t resource;
	unsigned long align;
	int target_node;
	enum daxpin_dax_driver driver;
	char *driver_name;	/* as bound in sysfs; NULL when disabled */
	struct daxpin_mapping *mappings;
	size_t nr_mappings;
	struct daxpin_pfn_range *ranges;
	size_t nr_ranges;
	/*
	 * false when the kernel shows physical addresses to root only: then
	 * mappings and ranges are unknown, not empty
	 */
	bool ranges_known;
	int region_id;		/* the dax region */
	struct daxpin_namespace *ns;	/* NULL without an ndctl namespace */
	/* attached by the scans of the snapshot; NULL when not scanned */
	const struct daxpin_object_pages *pages;
	const struct daxpin_target_holders *holders;
	/* system RAM (kmem): its memory blocks (include/daxpin/topology_memory.h) */
	const struct daxpin_memory *memory;
};

struct daxpin_namespace {
	char *dev;		/* "namespace0.0" */
	enum daxpin_ns_mode mode;
	enum daxpin_map map;
	bool enabled;
	uint64_t size;		/* usable size, as ndctl reports it */
	char uuid[37];		/* empty for label-less namespaces */
	unsigned long align;	/* 0 when not applicable */
	unsigned int sector_size;	/* 0 when not applicable */
	char *blockdev;		/* "pmem0", NULL for devdax */
	unsigned int blk_major, blk_minor;
	struct daxpin_mount *mounts;	/* mounts of blockdev */
	size_t nr_mounts;
	struct daxpin_daxdev *daxdevs;	/* devdax only */
	size_t nr_daxdevs;
	struct daxpin_pfn_range *ranges;	/* fsdax: the data pages */
	size_t nr_ranges;
	bool ranges_known;	/* as for struct daxpin_daxdev */
	struct daxpin_region *region;
	/* attached by the scans of the snapshot; NULL when not scanned (raw, sector: no pages) */
	const struct daxpin_object_pages *pages;
	const struct daxpin_target_holders *holders;
};

struct daxpin_region {
	char *dev;		/* "region0" */
	uint64_t size;
	uint64_t available_size;
	unsigned long align;
	const char *type;	/* "pmem", "blk" */
	bool enabled;
	/* its bus's provider: "ACPI.NFIT", "CXL" (a CXL region feeds it: lib/cxl/) */
	char *provider;
	uint64_t resource;	/* physical address */
	bool resource_known;	/* false: shown to root only */
	struct daxpin_namespace *namespaces;
	size_t nr_namespaces;
};

/* dax devices whose dax region belongs to no ndctl namespace (hmem, CXL) */
struct daxpin_dax_region {
	int id;
	uint64_t size;
	unsigned long align;
	struct daxpin_daxdev *daxdevs;
	size_t nr_daxdevs;
};

struct daxpin_topology {
	struct daxpin_region *regions;
	size_t nr_regions;
	struct daxpin_dax_region *dax_regions;
	size_t nr_dax_regions;
};

int daxpin_topology_scan(struct daxpin_ctx *ctx, struct daxpin_topology **topo);
void daxpin_topology_free(struct daxpin_topology *topo);

/*
 * The device number of a device-dax device bound to device_dax, by name
 * ("dax0.0"), without a topology scan: libudev reads its driver and number
 * where daxpin_topology_scan() reads every region, namespace and dax device
 * (that and libndctl's context were 45 ms of a 180 ms holders --no-bpf in
 * an idle guest under emulation). -ENOENT
 * when name is no such device (none, or one bound to kmem or to no driver:
 * ask the topology).
 */
int daxpin_devdax_number(struct daxpin_ctx *ctx, const char *name, dev_t *devnum);

/*
 * Why the struct pages of a dax device or an fsdax namespace cannot be read
 * ("device disabled: it has no struct pages", "system-ram: ...", "physical
 * addresses are shown to root only"), or NULL when its ranges can be
 * scanned. Scanning the ranges of a disabled device reads memory that is
 * no longer mapped.
 */
const char *daxpin_daxdev_pages_unreadable(const struct daxpin_daxdev *d);
const char *daxpin_namespace_pages_unreadable(const struct daxpin_namespace *ns);

/* What daxpin_topology_lookup() found: exactly one member is set. */
struct daxpin_object {
	struct daxpin_region *region;
	struct daxpin_namespace *ns;
	struct daxpin_daxdev *daxdev;
};

/**
 * daxpin_topology_lookup() - find an object of a snapshot by its name
 * @topo: the snapshot
 * @name: a region ("region0"), a namespace ("namespace0.0"), the block
 *	device of a namespace ("pmem0", found as its namespace) or a dax
 *	device ("dax0.0"); no "/dev/" prefix
 * @obj: filled with the object found
 *
 * Return: 0, or -ENOENT when nothing has that name.
 */
int daxpin_topology_lookup(const struct daxpin_topology *topo, const char *name,
			   struct daxpin_object *obj);

/*
 * The first dax device of topo, those under namespaces before those of dax
 * regions, for which match returns true; NULL when none does. A match that
 * never returns true visits every device.
 */
const struct daxpin_daxdev *daxpin_topology_find_daxdev(const struct daxpin_topology *topo,
							bool (*match)(const struct daxpin_daxdev *d, void *arg),
							void *arg);

const char *daxpin_ns_mode_name(enum daxpin_ns_mode mode);
const char *daxpin_map_name(enum daxpin_map map);
/* The daxctl mode of a device: "devdax" (also when disabled), "system-ram", "famfs" */
const char *daxpin_daxdev_mode_name(const struct daxpin_daxdev *dev);

/*
 * The first kernel module persistent memory needs (libnvdimm, nd_pmem,
 * dax_pmem, device_dax) that is neither loaded nor built in, or NULL.
 */
const char *daxpin_missing_module(struct daxpin_ctx *ctx);

#endif
