// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <daxctl/libdaxctl.h>
#include <libmount.h>
#include <libudev.h>
#include <ndctl/libndctl.h>

#include "mounts.h"
#include "core/private.h"

static int strdup_field(char **field, const char *value)
{
	if (!value)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int pfn_range_add(struct daxpin_pfn_range **ranges, size_t *nr,
			 uint64_t start, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct daxpin_pfn_range *r;

	if (!size)
		return 0;
	r = array_push(ranges, nr, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->pfn = start / page;
	r->count = size / page;
	return 0;
}

static enum daxpin_dax_driver driver_from_name(const char *name)
{
	if (!name)
		return DAXPIN_DRIVER_NONE;
	if (strcmp(name, "device_dax") == 0)
		return DAXPIN_DRIVER_DEVICE_DAX;
	if (strcmp(name, "kmem") == 0)
		return DAXPIN_DRIVER_KMEM;
	if (strcmp(name, "fsdev_dax") == 0)
		return DAXPIN_DRIVER_FSDEV_DAX;
	return DAXPIN_DRIVER_OTHER;
}

/* libdaxctl 76 has no driver getter: the dax bus device's driver link says it. */
static int daxdev_read_driver(struct daxpin_ctx *ctx, struct daxpin_daxdev *d)
{
	struct udev_device *udev_dev;
	int rc;

	udev_dev = udev_device_new_from_subsystem_sysname(ctx->udev, "dax",
							  d->dev);
	if (!udev_dev)
		return 0;
	rc = strdup_field(&d->driver_name, udev_device_get_driver(udev_dev));
	udev_device_unref(udev_dev);
	d->driver = driver_from_name(d->driver_name);
	return rc;
}

DAXPIN_EXPORT int daxpin_devdax_number(struct daxpin_ctx *ctx, const char *name, dev_t *devnum)
{
	struct udev_device *udev_dev;
	int rc = -ENOENT;

	udev_dev = udev_device_new_from_subsystem_sysname(ctx->udev, "dax", name);
	if (!udev_dev)
		return rc;
	if (driver_from_name(udev_device_get_driver(udev_dev)) == DAXPIN_DRIVER_DEVICE_DAX &&
	    udev_device_get_devnum(udev_dev)) {
		*devnum = udev_device_get_devnum(udev_dev);
		rc = 0;
	}
	udev_device_unref(udev_dev);
	return rc;
}

static int daxdev_fill(struct daxpin_ctx *ctx, struct daxctl_dev *dev,
		       struct daxpin_daxdev *d)
{
	struct daxctl_mapping *mapping;
	int rc;

	rc = strdup_field(&d->dev, daxctl_dev_get_devname(dev));
	if (rc)
		return rc;
	d->major = (unsigned int)daxctl_dev_get_major(dev);
	d->minor = (unsigned int)daxctl_dev_get_minor(dev);
	d->size = daxctl_dev_get_size(dev);
	d->resource = daxctl_dev_get_resource(dev);
	d->align = daxctl_dev_get_align(dev);
	d->target_node = daxctl_dev_get_target_node(dev);
	d->region_id = daxctl_region_get_id(daxctl_dev_get_region(dev));
	rc = daxdev_read_driver(ctx, d);
	if (rc)
		return rc;

	daxctl_mapping_foreach(dev, mapping) {
		struct daxpin_mapping *m;

		m = array_push(&d->mappings, &d->nr_mappings, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->start = daxctl_mapping_get_start(mapping);
		m->end = daxctl_mapping_get_end(mapping);
		m->page_offset = daxctl_mapping_get_offset(mapping);
		rc = pfn_range_add(&d->ranges, &d->nr_ranges, m->start,
				   m->end - m->start + 1);
		if (rc)
			return rc;
	}
	/*
	 * resource and mappingN/start are readable by root only (mode 0400):
	 * libdaxctl then reports neither, and no range is known.
	 */
	d->ranges_known = d->nr_mappings || d->resource || !d->size;
	/* kernels before 5.10 have no mappingN attributes: one contiguous range */
	if (!d->nr_mappings && d->resource)
		return pfn_range_add(&d->ranges, &d->nr_ranges, d->resource,
				     d->size);
	return 0;
}

static int daxdevs_fill(struct daxpin_ctx *ctx, struct daxctl_region *region,
			struct daxpin_daxdev **devs, size_t *nr)
{
	struct daxctl_dev *dev;
	int rc;

	daxctl_dev_foreach(region, dev) {
		struct daxpin_daxdev *d;

		/* the seed device of a region with no capacity assigned */
		if (!daxctl_dev_get_size(dev))
			continue;
		d = array_push(devs, nr, sizeof(*d));
		if (!d)
			return -ENOMEM;
		rc = daxdev_fill(ctx, dev, d);
		if (rc)
			return rc;
	}
	return 0;
}

static void uuid_format(const uuid_t uu, char out[37])
{
	if (uuid_is_null(uu))
		out[0] = '\0';
	else
		uuid_unparse(uu, out);
}

static int blockdev_fill(struct daxpin_ctx *ctx, struct libmnt_table *mounts,
			 struct daxpin_namespace *ns, const char *blockdev)
{
	struct udev_device *udev_dev;
	dev_t devnum;
	int rc;

	if (!blockdev || !blockdev[0])
		return 0;
	rc = strdup_field(&ns->blockdev, blockdev);
	if (rc)
		return rc;
	udev_dev = udev_device_new_from_subsystem_sysname(ctx->udev, "block",
							  blockdev);
	if (!udev_dev)
		return 0;
	devnum = udev_device_get_devnum(udev_dev);
	udev_device_unref(udev_dev);
	ns->blk_major = major(devnum);
	ns->blk_minor = minor(devnum);
	if (!mounts)
		return 0;
	rc = mounts_of_blockdev(mounts, ns->blk_major, ns->blk_minor,
				&ns->mounts);
	if (rc < 0)
		return rc;
	ns->nr_mounts = (size_t)rc;
	return 0;
}

static int namespace_fill(struct daxpin_ctx *ctx, struct libmnt_table *mounts,
			  struct ndctl_namespace *ndns,
			  struct daxpin_namespace *ns)
{
	struct ndctl_btt *btt = ndctl_namespace_get_btt(ndns);
	struct ndctl_pfn *pfn = ndctl_namespace_get_pfn(ndns);
	struct ndctl_dax *dax = ndctl_namespace_get_dax(ndns);
	const char *blockdev = NULL;
	uuid_t uu;
	int rc;

	rc = strdup_field(&ns->dev, ndctl_namespace_get_devname(ndns));
	if (rc)
		return rc;
	ns->ranges_known = true;
	ns->enabled = ndctl_namespace_is_active(ndns);
	ndctl_namespace_get_uuid(ndns, uu);
	uuid_format(uu, ns->uuid);

	switch (ndctl_namespace_get_mode(ndns)) {
	case NDCTL_NS_MODE_FSDAX: {
		unsigned long long start;

		ns->mode = DAXPIN_NS_MODE_FSDAX;
		if (pfn) {
			ns->map = ndctl_pfn_get_location(pfn) == NDCTL_PFN_LOC_PMEM ?
					  DAXPIN_MAP_DEV : DAXPIN_MAP_MEM;
			ns->size = ndctl_pfn_get_size(pfn);
			ns->align = ndctl_pfn_get_align(pfn);
			ndctl_pfn_get_uuid(pfn, uu);
			uuid_format(uu, ns->uuid);
			blockdev = ndctl_pfn_get_block_device(pfn);
			/*
			 * The pfn device's resource starts after the start pad
			 * and the memmap reservation (map=dev): exactly the
			 * pages the filesystem can hand out.
			 */
			start = ndctl_pfn_get_resource(pfn);
		} else {
			/* legacy "memory" mode: struct pages in RAM */
			ns->map = DAXPIN_MAP_MEM;
			ns->size = ndctl_namespace_get_size(ndns);
			blockdev = ndctl_namespace_get_block_device(ndns);
			start = ndctl_namespace_get_resource(ndns);
		}
		/* resource is readable by root only (mode 0400) */
		ns->ranges_known = start != ULLONG_MAX;
		if (ns->ranges_known) {
			rc = pfn_range_add(&ns->ranges, &ns->nr_ranges, start,
					   ns->size);
			if (rc)
				return rc;
		}
		break;
	}
	case NDCTL_NS_MODE_DEVDAX:
		ns->mode = DAXPIN_NS_MODE_DEVDAX;
		if (!dax)
			break;
		ns->map = ndctl_dax_get_location(dax) == NDCTL_PFN_LOC_PMEM ?
				  DAXPIN_MAP_DEV : DAXPIN_MAP_MEM;
		ns->size = ndctl_dax_get_size(dax);
		ns->align = ndctl_dax_get_align(dax);
		ndctl_dax_get_uuid(dax, uu);
		uuid_format(uu, ns->uuid);
		if (ndctl_dax_get_daxctl_region(dax)) {
			rc = daxdevs_fill(ctx, ndctl_dax_get_daxctl_region(dax),
					  &ns->daxdevs, &ns->nr_daxdevs);
			if (rc)
				return rc;
		}
		break;
	case NDCTL_NS_MODE_SECTOR:
		ns->mode = DAXPIN_NS_MODE_SECTOR;
		if (!btt)
			break;
		ns->size = ndctl_btt_get_size(btt);
		ns->sector_size = ndctl_btt_get_sector_size(btt);
		ndctl_btt_get_uuid(btt, uu);
		uuid_format(uu, ns->uuid);
		blockdev = ndctl_btt_get_block_device(btt);
		break;
	case NDCTL_NS_MODE_RAW:
		ns->mode = DAXPIN_NS_MODE_RAW;
		ns->size = ndctl_namespace_get_size(ndns);
		blockdev = ndctl_namespace_get_block_device(ndns);
		break;
	default:
		ns->mode = DAXPIN_NS_MODE_UNKNOWN;
		ns->size = ndctl_namespace_get_size(ndns);
		break;
	}
	if (!ns->sector_size && ns->mode != DAXPIN_NS_MODE_DEVDAX) {
		ns->sector_size = ndctl_namespace_get_sector_size(ndns);
		/* the kernel's default when labels do not say (ndctl does the same) */
		if (!ns->sector_size || ns->sector_size == UINT_MAX)
			ns->sector_size = 512;
	}
	return blockdev_fill(ctx, mounts, ns, blockdev);
}

static int region_fill(struct daxpin_ctx *ctx, struct libmnt_table *mounts,
		       struct ndctl_region *region, struct daxpin_region *r)
{
	struct ndctl_namespace *ndns;
	int rc;

	rc = strdup_field(&r->dev, ndctl_region_get_devname(region));
	if (rc)
		return rc;
	r->size = ndctl_region_get_size(region);
	r->available_size = ndctl_region_get_available_size(region);
	r->align = ndctl_region_get_align(region);
	r->type = ndctl_region_get_type_name(region);
	r->enabled = ndctl_region_is_enabled(region);
	/* mode 0400: libndctl reads ULLONG_MAX without root */
	r->resource = ndctl_region_get_resource(region);
	r->resource_known = r->resource != ULLONG_MAX;
	rc = strdup_field(&r->provider,
			  ndctl_bus_get_provider(ndctl_region_get_bus(region)));
	if (rc)
		return rc;

	ndctl_namespace_foreach(region, ndns) {
		struct daxpin_namespace *ns;

		/* a seed: the slot for the next namespace, holding nothing */
		if (!ndctl_namespace_is_active(ndns) &&
		    !ndctl_namespace_get_size(ndns))
			continue;
		ns = array_push(&r->namespaces, &r->nr_namespaces, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		rc = namespace_fill(ctx, mounts, ndns, ns);
		if (rc)
			return rc;
	}
	return 0;
}

static bool daxdev_claimed(const struct daxpin_topology *t, const char *dev)
{
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			const struct daxpin_namespace *ns =
				&t->regions[i].namespaces[j];

			for (size_t k = 0; k < ns->nr_daxdevs; k++)
				if (strcmp(ns->daxdevs[k].dev, dev) == 0)
					return true;
		}
	return false;
}

/* dax regions that no ndctl namespace leads to: hmem, CXL */
static int dax_regions_fill(struct daxpin_ctx *ctx, struct ndctl_ctx *ndctl,
			    struct daxpin_topology *t)
{
	struct daxctl_ctx *daxctl = ndctl_get_daxctl_ctx(ndctl);
	struct daxctl_region *region;
	int rc;

	daxctl_region_foreach(daxctl, region) {
		struct daxctl_dev *dev = daxctl_dev_get_first(region);
		struct daxpin_dax_region *r;

		if (!dev || daxdev_claimed(t, daxctl_dev_get_devname(dev)))
			continue;
		r = array_push(&t->dax_regions, &t->nr_dax_regions, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->id = daxctl_region_get_id(region);
		r->size = daxctl_region_get_size(region);
		r->align = daxctl_region_get_align(region);
		rc = daxdevs_fill(ctx, region, &r->daxdevs, &r->nr_daxdevs);
		if (rc)
			return rc;
	}
	return 0;
}

static int region_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct daxpin_region *)a)->dev,
			  ((const struct daxpin_region *)b)->dev);
}

static int namespace_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct daxpin_namespace *)a)->dev,
			  ((const struct daxpin_namespace *)b)->dev);
}

/*
 * libndctl lists objects in sysfs order, which changes with the order they
 * were created in; a snapshot sorted by name reads the same every time.
 * Arrays also moved while they grew, so the back-links are set only now.
 */
static void topology_sort_and_link(struct daxpin_topology *t)
{
	/* qsort() of an empty array wants a valid pointer, which NULL is not */
	if (t->nr_regions)
		qsort(t->regions, t->nr_regions, sizeof(*t->regions), region_cmp);
	for (size_t i = 0; i < t->nr_regions; i++) {
		if (t->regions[i].nr_namespaces)
			qsort(t->regions[i].namespaces, t->regions[i].nr_namespaces,
			      sizeof(*t->regions[i].namespaces), namespace_cmp);
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			ns->region = &t->regions[i];
			for (size_t k = 0; k < ns->nr_daxdevs; k++)
				ns->daxdevs[k].ns = ns;
		}
	}
}

DAXPIN_EXPORT int daxpin_topology_scan(struct daxpin_ctx *ctx,
				       struct daxpin_topology **out)
{
	struct daxpin_topology *t;
	struct ndctl_region *region;
	struct ndctl_bus *bus;
	struct libmnt_table *mounts;
	struct ndctl_ctx *ndctl;
	int rc = daxpin_ndctl(ctx, &ndctl);

	if (rc < 0)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* without mountinfo (no /proc) mounts are simply not reported */
	mounts = mnt_new_table_from_file("/proc/self/mountinfo");

	ndctl_bus_foreach(ndctl, bus) {
		ndctl_region_foreach(bus, region) {
			struct daxpin_region *r;

			r = array_push(&t->regions, &t->nr_regions, sizeof(*r));
			if (!r) {
				rc = -ENOMEM;
				goto out;
			}
			rc = region_fill(ctx, mounts, region, r);
			if (rc)
				goto out;
		}
	}
	rc = dax_regions_fill(ctx, ndctl, t);
out:
	mnt_unref_table(mounts);
	if (rc) {
		err(ctx, "topology scan failed: %s\n", strerror(-rc));
		daxpin_topology_free(t);
		return rc;
	}
	topology_sort_and_link(t);
	*out = t;
	return 0;
}

static void daxdevs_free(struct daxpin_daxdev *devs, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(devs[i].dev);
		free(devs[i].driver_name);
		free(devs[i].mappings);
		free(devs[i].ranges);
	}
	free(devs);
}

DAXPIN_EXPORT void daxpin_topology_free(struct daxpin_topology *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr_regions; i++) {
		struct daxpin_region *r = &t->regions[i];

		for (size_t j = 0; j < r->nr_namespaces; j++) {
			struct daxpin_namespace *ns = &r->namespaces[j];

			free(ns->dev);
			free(ns->blockdev);
			mounts_free(ns->mounts, ns->nr_mounts);
			daxdevs_free(ns->daxdevs, ns->nr_daxdevs);
			free(ns->ranges);
		}
		free(r->namespaces);
		free(r->dev);
		free(r->provider);
	}
	free(t->regions);
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		daxdevs_free(t->dax_regions[i].daxdevs,
			     t->dax_regions[i].nr_daxdevs);
	free(t->dax_regions);
	free(t);
}

DAXPIN_EXPORT const struct daxpin_daxdev *
daxpin_topology_find_daxdev(const struct daxpin_topology *t,
			    bool (*match)(const struct daxpin_daxdev *d, void *arg), void *arg)
{
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++)
			for (size_t k = 0; k < t->regions[i].namespaces[j].nr_daxdevs; k++)
				if (match(&t->regions[i].namespaces[j].daxdevs[k], arg))
					return &t->regions[i].namespaces[j].daxdevs[k];
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs; k++)
			if (match(&t->dax_regions[i].daxdevs[k], arg))
				return &t->dax_regions[i].daxdevs[k];
	return NULL;
}

static bool name_is(const char *name, const char *obj)
{
	return obj && strcmp(name, obj) == 0;
}

static struct daxpin_daxdev *daxdev_lookup(struct daxpin_daxdev *devs, size_t nr,
					   const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (name_is(name, devs[i].dev))
			return &devs[i];
	return NULL;
}

DAXPIN_EXPORT int daxpin_topology_lookup(const struct daxpin_topology *t,
					 const char *name,
					 struct daxpin_object *obj)
{
	memset(obj, 0, sizeof(*obj));
	for (size_t i = 0; i < t->nr_regions; i++) {
		struct daxpin_region *r = &t->regions[i];

		if (name_is(name, r->dev)) {
			obj->region = r;
			return 0;
		}
		for (size_t j = 0; j < r->nr_namespaces; j++) {
			struct daxpin_namespace *ns = &r->namespaces[j];

			if (name_is(name, ns->dev) || name_is(name, ns->blockdev)) {
				obj->ns = ns;
				return 0;
			}
			obj->daxdev = daxdev_lookup(ns->daxdevs, ns->nr_daxdevs, name);
			if (obj->daxdev)
				return 0;
		}
	}
	for (size_t i = 0; i < t->nr_dax_regions; i++) {
		obj->daxdev = daxdev_lookup(t->dax_regions[i].daxdevs,
					    t->dax_regions[i].nr_daxdevs, name);
		if (obj->daxdev)
			return 0;
	}
	return -ENOENT;
}

DAXPIN_EXPORT const char *daxpin_ns_mode_name(enum daxpin_ns_mode mode)
{
	static const char *const names[] = {
		[DAXPIN_NS_MODE_RAW] = "raw",
		[DAXPIN_NS_MODE_SECTOR] = "sector",
		[DAXPIN_NS_MODE_FSDAX] = "fsdax",
		[DAXPIN_NS_MODE_DEVDAX] = "devdax",
		[DAXPIN_NS_MODE_UNKNOWN] = "unknown",
	};

	return mode <= DAXPIN_NS_MODE_UNKNOWN ? names[mode] : "unknown";
}

DAXPIN_EXPORT const char *daxpin_map_name(enum daxpin_map map)
{
	static const char *const names[] = {
		[DAXPIN_MAP_NONE] = NULL,
		[DAXPIN_MAP_MEM] = "mem",
		[DAXPIN_MAP_DEV] = "dev",
	};

	return map <= DAXPIN_MAP_DEV ? names[map] : NULL;
}

DAXPIN_EXPORT const char *daxpin_daxdev_mode_name(const struct daxpin_daxdev *dev)
{
	switch (dev->driver) {
	case DAXPIN_DRIVER_KMEM:
		return "system-ram";
	case DAXPIN_DRIVER_FSDEV_DAX:
		return "famfs";
	default:
		/* daxctl calls a disabled device "devdax" with state "disabled" */
		return "devdax";
	}
}

DAXPIN_EXPORT const char *daxpin_daxdev_pages_unreadable(const struct daxpin_daxdev *d)
{
	switch (d->driver) {
	case DAXPIN_DRIVER_NONE:
		return "device disabled: it has no struct pages";
	case DAXPIN_DRIVER_KMEM:
		return "system-ram: its pages belong to the page allocator";
	default:
		return d->ranges_known ? NULL : "physical addresses are shown to root only";
	}
}

DAXPIN_EXPORT const char *daxpin_namespace_pages_unreadable(const struct daxpin_namespace *ns)
{
	if (!ns->enabled)
		return "namespace disabled: it has no struct pages";
	return ns->ranges_known ? NULL : "physical addresses are shown to root only";
}
