// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Page state of one file on filesystem-DAX: the file's extents (FIEMAP)
 * are byte ranges of its block device; the block device of an fsdax
 * namespace exposes exactly the namespace's data pages, in order, so byte
 * B of it is page frame ranges[0].pfn + B / PAGE_SIZE (walking on through
 * the ranges). The page-state scan then reads exactly those frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include <daxpin/layouts.h>

#include "private.h"

#define EXTENTS_PER_CALL 64

/* Extents with no fixed place on the device: nothing to look up. */
#define FIEMAP_NO_PLACE (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | \
			 FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED | \
			 FIEMAP_EXTENT_DATA_TAIL)

struct pfn_list {
	struct daxpin_pfn_range *r;
	size_t nr, cap;
};

static int pfn_list_add(struct pfn_list *l, uint64_t pfn, uint64_t count)
{
	if (l->nr && l->r[l->nr - 1].pfn + l->r[l->nr - 1].count == pfn) {
		l->r[l->nr - 1].count += count;
		return 0;
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct daxpin_pfn_range *r = realloc(l->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		l->r = r;
		l->cap = cap;
	}
	l->r[l->nr].pfn = pfn;
	l->r[l->nr++].count = count;
	return 0;
}

/*
 * The whole block device a partition belongs to, and the partition's start
 * in bytes; a whole device is its own, at 0.
 */
static int whole_device(dev_t dev, dev_t *whole, uint64_t *start)
{
	char path[96], buf[32];
	unsigned int maj, min;
	unsigned long long sectors;
	FILE *f;
	int ok;

	*whole = dev;
	*start = 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
	if (access(path, F_OK))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/start", major(dev), minor(dev));
	f = fopen(path, "re");
	ok = f && fscanf(f, "%llu", &sectors) == 1;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", major(dev), minor(dev));
	f = ok ? fopen(path, "re") : NULL;
	ok = f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2;
	if (f)
		fclose(f);
	if (!ok)
		return -ENODEV;
	*whole = makedev(maj, min);
	*start = sectors * 512;
	return 0;
}

static const struct daxpin_namespace *fsdax_namespace(const struct daxpin_topology *t,
							dev_t dev)
{
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			const struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			if (ns->mode == DAXPIN_NS_MODE_FSDAX && ns->blockdev &&
			    makedev(ns->blk_major, ns->blk_minor) == dev)
				return ns;
		}
	return NULL;
}

/* Adds the frames of device bytes [off, off + len) of namespace ns. */
static int device_bytes_to_pfns(const struct daxpin_namespace *ns, uint64_t off,
				uint64_t len, uint64_t page, struct pfn_list *l)
{
	uint64_t first = off / page, last = (off + len + page - 1) / page;
	uint64_t base = 0;

	for (size_t i = 0; i < ns->nr_ranges && first < last; i++) {
		const struct daxpin_pfn_range *r = &ns->ranges[i];

		if (first < base + r->count) {
			uint64_t n = (last < base + r->count ? last : base + r->count) - first;
			int rc = pfn_list_add(l, r->pfn + (first - base), n);

			if (rc)
				return rc;
			first += n;
		}
		base += r->count;
	}
	return first < last ? -ERANGE : 0;
}

static int extents_to_pfns(int fd, const struct daxpin_namespace *ns,
			   uint64_t part_start, struct pfn_list *l)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), logical = 0;
	struct fiemap *fm = calloc(1, sizeof(*fm) + EXTENTS_PER_CALL *
				   sizeof(struct fiemap_extent));
	bool last = false;
	int rc = 0;

	if (!fm)
		return -ENOMEM;
	while (!last && !rc) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = logical;
		fm->fm_length = FIEMAP_MAX_OFFSET - logical;
		fm->fm_extent_count = EXTENTS_PER_CALL;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			rc = -errno;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (unsigned int i = 0; i < fm->fm_mapped_extents && !rc; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];

			last = e->fe_flags & FIEMAP_EXTENT_LAST;
			logical = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_NO_PLACE)
				continue;
			rc = device_bytes_to_pfns(ns, part_start + e->fe_physical,
						  e->fe_length, page, l);
		}
	}
	free(fm);
	return rc;
}

DAXPIN_EXPORT int daxpin_file_pages(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				    int fd, struct daxpin_page_counts *counts)
{
	const struct daxpin_namespace *ns;
	struct daxpin_topology *t = NULL;
	struct pfn_list l = { 0 };
	uint64_t part_start;
	struct stat st;
	dev_t whole;
	int rc;

	if (fstat(fd, &st) < 0)
		return -errno;
	rc = whole_device(st.st_dev, &whole, &part_start);
	if (rc)
		return rc;
	rc = daxpin_topology_scan(ctx, &t);
	if (rc)
		return rc;
	ns = fsdax_namespace(t, whole);
	if (!ns)
		rc = -ENOTSUP;
	else if (!ns->ranges_known)
		rc = -EPERM;
	else
		rc = extents_to_pfns(fd, ns, part_start, &l);
	if (!rc) {
		dbg(ctx, "file %u:%u/%lu: %zu frame ranges on %s\n", major(st.st_dev),
		    minor(st.st_dev), (unsigned long)st.st_ino, l.nr, ns->dev);
		rc = daxpin_pagestate_scan(ps, l.r, l.nr, DAXPIN_PAGE_FSDAX, counts);
	}
	free(l.r);
	daxpin_topology_free(t);
	return rc;
}
