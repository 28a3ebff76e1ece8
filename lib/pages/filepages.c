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
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include <daxpin/filepages.h>

#include "core/private.h"

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
	if (array_grow((void **)&l->r, &l->cap, l->nr + 1, sizeof(*l->r)))
		return -ENOMEM;
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

/* Page frames of files on one block device: the namespace is looked up once. */
struct file_pager {
	struct daxpin_ctx *ctx;
	struct daxpin_pagestate *ps;
	struct daxpin_topology *t;
	const struct daxpin_namespace *ns;
	dev_t dev;
	uint64_t part_start;
};

static int pager_open(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps, dev_t dev,
		      struct file_pager *p)
{
	dev_t whole;
	int rc;

	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->ps = ps;
	p->dev = dev;
	rc = whole_device(dev, &whole, &p->part_start);
	if (!rc)
		rc = daxpin_topology_scan(ctx, &p->t);
	if (rc)
		return rc;
	p->ns = fsdax_namespace(p->t, whole);
	if (!p->ns)
		return -ENOTSUP;
	return p->ns->ranges_known ? 0 : -EPERM;
}

static int pager_scan(struct file_pager *p, int fd, struct daxpin_page_counts *counts)
{
	struct pfn_list l = { 0 };
	int rc = extents_to_pfns(fd, p->ns, p->part_start, &l);

	if (!rc) {
		dbg(p->ctx, "%zu frame ranges on %s\n", l.nr, p->ns->dev);
		rc = daxpin_pagestate_scan(p->ps, l.r, l.nr, DAXPIN_PAGE_FSDAX, counts);
	}
	free(l.r);
	return rc;
}

static void pager_close(struct file_pager *p)
{
	daxpin_topology_free(p->t);
}

DAXPIN_EXPORT int daxpin_file_pfns(struct daxpin_ctx *ctx, int fd,
				   struct daxpin_pfn_range **ranges, size_t *nr)
{
	struct pfn_list l = { 0 };
	struct file_pager p;
	struct stat st;
	int rc;

	*ranges = NULL;
	*nr = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	rc = pager_open(ctx, NULL, st.st_dev, &p);
	if (!rc)
		rc = extents_to_pfns(fd, p.ns, p.part_start, &l);
	pager_close(&p);
	if (rc) {
		free(l.r);
		return rc;
	}
	*ranges = l.r;
	*nr = l.nr;
	return 0;
}

DAXPIN_EXPORT int daxpin_file_pages(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				    int fd, struct daxpin_page_counts *counts)
{
	struct daxpin_pfn_range *r;
	size_t nr;
	int rc = daxpin_file_pfns(ctx, fd, &r, &nr);

	if (!rc)
		rc = daxpin_pagestate_scan(ps, r, nr, DAXPIN_PAGE_FSDAX, counts);
	free(r);
	return rc;
}

/* nftw() passes no user pointer: the walk in progress, per thread. */
static __thread struct busy_walk {
	struct file_pager *p;
	struct daxpin_busy_file *files;
	size_t nr, cap;
	int error;
} *walk;

static int busy_file_visit(const char *path, const struct stat *st, int type,
			   struct FTW *ftw)
{
	struct daxpin_page_counts c;
	int fd, rc;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_dev != walk->p->dev)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 0;
	rc = pager_scan(walk->p, fd, &c);
	close(fd);
	if (rc < 0 || !(c.referenced_pages || c.pinned_pages))
		return 0;
	if (array_grow((void **)&walk->files, &walk->cap, walk->nr + 1, sizeof(*walk->files))) {
		walk->error = -ENOMEM;
		return 1;
	}
	walk->files[walk->nr].path = strdup(path);
	walk->files[walk->nr].ino = st->st_ino;
	walk->files[walk->nr].pages = c;
	if (!walk->files[walk->nr++].path) {
		walk->error = -ENOMEM;
		return 1;
	}
	return 0;
}

DAXPIN_EXPORT int daxpin_busy_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				    const char *mount, struct daxpin_busy_file **files,
				    size_t *nr)
{
	struct busy_walk w = { 0 };
	struct file_pager p;
	struct stat st;
	int rc;

	*files = NULL;
	*nr = 0;
	if (stat(mount, &st) < 0)
		return -errno;
	rc = pager_open(ctx, ps, st.st_dev, &p);
	if (!rc) {
		w.p = &p;
		walk = &w;
		/* one filesystem, symbolic links not followed */
		if (nftw(mount, busy_file_visit, 32, FTW_PHYS | FTW_MOUNT) < 0)
			rc = -errno;
		walk = NULL;
		if (w.error)
			rc = w.error;
	}
	pager_close(&p);
	if (rc) {
		daxpin_busy_files_free(w.files, w.nr);
		return rc;
	}
	*files = w.files;
	*nr = w.nr;
	return 0;
}

DAXPIN_EXPORT void daxpin_busy_files_free(struct daxpin_busy_file *files, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(files[i].path);
	free(files);
}

/* The busy folios of ranges [0, nr), all of them up to the examined limit:
 * a scan lists the first DAXPIN_PAGES_BUSY_MAX, so it goes on after the
 * last one listed. */
static int busy_folios(struct daxpin_pagestate *ps, const struct daxpin_namespace *ns,
		       struct daxpin_page_busy **busy, size_t *nr, bool *complete)
{
	size_t cap = 0;

	*busy = NULL;
	*nr = 0;
	*complete = true;
	for (size_t i = 0; i < ns->nr_ranges; i++) {
		uint64_t pfn = ns->ranges[i].pfn, end = pfn + ns->ranges[i].count;

		while (pfn < end) {
			struct daxpin_pfn_range rest = { .pfn = pfn, .count = end - pfn };
			struct daxpin_page_counts c;
			int rc = daxpin_pagestate_scan(ps, &rest, 1, DAXPIN_PAGE_FSDAX, &c);

			if (rc)
				return rc;
			if (*nr + c.nr_busy > DAXPIN_INODE_PAGES_EXAMINED_MAX) {
				*complete = false;
				return 0;
			}
			if (array_grow((void **)busy, &cap, *nr + c.nr_busy, sizeof(**busy)))
				return -ENOMEM;
			memcpy(*busy + *nr, c.busy, c.nr_busy * sizeof(c.busy[0]));
			*nr += c.nr_busy;
			if (c.busy_folios <= c.nr_busy)
				break;
			pfn = c.busy[c.nr_busy - 1].pfn + c.busy[c.nr_busy - 1].nr_pages;
		}
	}
	return 0;
}

/* Keeps the folios of busy[] that belong to dev:ino, with their offsets. */
static int keep_inode_folios(struct daxpin_pagestate *ps, struct daxpin_page_busy *busy,
			     size_t nr, dev_t dev, uint64_t ino,
			     struct daxpin_inode_pages *out)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct daxpin_page_file *files = calloc(nr ? nr : 1, sizeof(*files));
	int rc;

	out->offsets = calloc(nr ? nr : 1, sizeof(*out->offsets));
	if (!files || !out->offsets) {
		free(files);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr; i++)
		files[i].pfn = busy[i].pfn;
	rc = daxpin_page_files(ps, files, nr);
	for (size_t i = 0; i < nr && !rc; i++) {
		if (!files[i].known || files[i].dev != dev || files[i].ino != ino)
			continue;
		busy[out->nr_busy] = busy[i];
		out->offsets[out->nr_busy++] = files[i].index * page;
		out->referenced_pages += busy[i].nr_pages;
	}
	free(files);
	return rc;
}

static int inode_owners(struct daxpin_ctx *ctx, struct daxpin_inode_pages *out)
{
	struct daxpin_owners_target t = {
		.ranges = calloc(out->nr_busy, sizeof(*t.ranges)),
		.nr_ranges = out->nr_busy,
		.kind = DAXPIN_PAGE_FSDAX,
	};
	int rc;

	if (!t.ranges)
		return -ENOMEM;
	for (size_t i = 0; i < out->nr_busy; i++) {
		t.ranges[i].pfn = out->busy[i].pfn;
		t.ranges[i].count = out->busy[i].nr_pages;
	}
	rc = daxpin_owners_scan(ctx, &t, 1, &out->owners);
	free(t.ranges);
	return rc;
}

DAXPIN_EXPORT int daxpin_inode_pages(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				     dev_t dev, uint64_t ino, struct daxpin_inode_pages *out)
{
	struct file_pager p;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pager_open(ctx, ps, dev, &p);
	if (!rc)
		rc = busy_folios(ps, p.ns, &out->busy, &out->examined, &out->complete);
	pager_close(&p);
	if (!rc)
		rc = keep_inode_folios(ps, out->busy, out->examined, dev, ino, out);
	if (!rc && out->nr_busy)
		rc = inode_owners(ctx, out);
	if (rc)
		daxpin_inode_pages_clear(out);
	return rc;
}

DAXPIN_EXPORT void daxpin_inode_pages_clear(struct daxpin_inode_pages *p)
{
	free(p->busy);
	free(p->offsets);
	daxpin_owners_free(p->owners);
	memset(p, 0, sizeof(*p));
}
