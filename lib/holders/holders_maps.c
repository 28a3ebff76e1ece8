// SPDX-License-Identifier: LGPL-2.1-or-later
/* A process's mappings, matched against the targets' keys (the /proc scan). */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "procmaps.h"
#include "procstatus.h"
#include "holders_internal.h"

/* Whether a file's identity alone (no type) can match any key. */
static bool id_may_match(const struct scan *s, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		for (size_t j = 0; j < s->targets[i].nr_keys; j++) {
			const struct daxpin_key *k = &s->targets[i].keys[j];

			if ((k->kind == DAXPIN_KEY_FILESYSTEM && k->dev == dev) ||
			    (k->kind == DAXPIN_KEY_FILE && k->dev == dev && k->ino == ino))
				return true;
		}
	return false;
}

static size_t id_hash(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 32));
}

static struct file_id *cache_slot(const struct id_cache *c, dev_t dev, ino_t ino)
{
	size_t i = id_hash(dev, ino) & (c->size - 1);

	while (c->slots[i].ino && (c->slots[i].dev != dev || c->slots[i].ino != ino))
		i = (i + 1) & (c->size - 1);
	return &c->slots[i];
}

static int cache_insert(struct id_cache *c, const struct file_id *id)
{
	if (2 * (c->used + 1) > c->size) {
		struct id_cache grown = { .size = 2 * c->size };

		grown.slots = calloc(grown.size, sizeof(*grown.slots));
		if (!grown.slots)
			return -ENOMEM;
		for (size_t i = 0; i < c->size; i++)
			if (c->slots[i].ino)
				*cache_slot(&grown, c->slots[i].dev, c->slots[i].ino) = c->slots[i];
		grown.used = c->used;
		free(c->slots);
		*c = grown;
	}
	*cache_slot(c, id->dev, id->ino) = *id;
	c->used++;
	return 0;
}

void holders_id_from_statx(struct file_id *id, const struct statx *stx)
{
	id->dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	id->ino = stx->stx_ino;
	id->mode = stx->stx_mode & S_IFMT;
	id->rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
}

/*
 * statx through a /proc magic link reaches the file without a path lookup;
 * AT_STATX_DONT_SYNC and a mask of type and inode keep NFS, FUSE and CIFS
 * from asking their server, so a hung server cannot hang the scan.
 */
int holders_stat_entry(int dirfd, const char *name, struct file_id *id)
{
	struct statx stx;

	if (statx(dirfd, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0)
		return -errno;
	holders_id_from_statx(id, &stx);
	return 0;
}

/*
 * PROCMAP_QUERY (Linux 6.11, include/uapi/linux/fs.h) hands out the file
 * identity of each file-backed mapping without formatting maps text or
 * building its path, which is most of what reading /proc/PID/maps costs.
 * Defined here because the build's kernel headers may predate it.
 */
#ifndef PROCMAP_QUERY
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_WRITABLE 0x02
#define PROCMAP_QUERY_VMA_SHARED 0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY_FILE_BACKED_VMA 0x20
#endif

/*
 * The type of a mapped file: /proc/PID/map_files/START-END needs
 * CAP_SYS_ADMIN; without it, the path as the process sees it through
 * /proc/PID/root (for processes we may ptrace). That fallback is a path
 * lookup, so only unprivileged scans take it; an unlinked file (path NULL)
 * can only be reached the first way.
 */
static int identify_mapping(struct worker *w, int dfd, const struct vma *v,
			    const char *path, struct file_id *id)
{
	char name[PATH_MAX + 8];
	struct file_id found;
	int rc;

	snprintf(name, sizeof(name), "map_files/%" PRIx64 "-%" PRIx64, v->start, v->end);
	rc = holders_stat_entry(dfd, name, &found);
	if (rc < 0 && path && path[0] == '/' &&
	    (size_t)snprintf(name, sizeof(name), "root%s", path) < sizeof(name))
		rc = holders_stat_entry(dfd, name, &found);
	/* the same file under both names, unless it was replaced meanwhile */
	if (rc < 0 || found.dev != id->dev || found.ino != id->ino)
		return rc < 0 ? rc : -ESTALE;
	*id = found;
	return cache_insert(&w->cache, id);
}

/*
 * The cheap test first: whether the file of a mapping can match a key.
 * Returns 1 when its identity (from the cache when device keys need the
 * file's type) must be matched, 0 when it cannot match, -EAGAIN when the
 * type must be identified first. When the device keys are all device-dax
 * nodes, which refuse private mappings, a private mapping (every
 * library's) needs no type: only its identity can match, a file's.
 */
static int vma_prefilter(const struct worker *w, struct file_id *id, bool shared)
{
	const struct file_id *cached;

	if (!w->s->has_device_keys || (!shared && w->s->devices_map_shared))
		return id_may_match(w->s, id->dev, id->ino);
	cached = cache_slot(&w->cache, id->dev, id->ino);
	if (!cached->ino)
		return -EAGAIN;
	*id = *cached;
	return 1;
}

/* Identifies a mapping's file (path: where it is, or NULL), counting failures. */
static int vma_identify(struct worker *w, int dfd, const struct vma *v,
			const char *path, struct file_id *id)
{
	int rc = identify_mapping(w, dfd, v, path, id);

	if (rc == -ENOMEM)
		return rc;
	/* type unknown: still matched by device and inode */
	if (rc < 0)
		w->unidentified++;
	return 0;
}

void holders_vma_match(struct worker *w, const struct vma *v, const struct file_id *id)
{
	for (size_t i = 0; i < w->s->nr_targets; i++) {
		struct daxpin_holder *acc = &w->acc[i];

		if (!holders_target_matches(&w->s->targets[i], id))
			continue;
		acc->access |= DAXPIN_ACCESS_MAP;
		acc->mapped_bytes += v->end - v->start;
		acc->shared |= v->shared;
		acc->writable |= v->writable;
	}
}

static int maps_line(struct worker *w, int dfd, const char *line, size_t len)
{
	struct file_id id = { 0 };
	struct procmaps_entry e;
	unsigned int major, minor;
	char path[PATH_MAX];
	struct vma v;
	uint64_t ino;
	int rc;

	/* anonymous and special mappings ([heap], [vdso]) have inode 0 */
	if (procmaps_parse_id(line, len, &major, &minor, &ino) < 0 || !ino)
		return 0;
	id.dev = makedev(major, minor);
	id.ino = ino;
	if (procmaps_parse_line(line, len, &e) < 0)
		return 0;
	rc = vma_prefilter(w, &id, e.shared);
	if (!rc)
		return 0;
	v = (struct vma){ .start = e.start, .end = e.end, .dev = id.dev, .ino = id.ino,
			  .shared = e.shared, .writable = e.writable };
	if (rc == -EAGAIN) {
		bool reachable = !procmaps_path_deleted(&e) &&
				 procmaps_path(&e, path, sizeof(path)) >= 0;

		rc = vma_identify(w, dfd, &v, reachable ? path : NULL, &id);
		if (rc < 0)
			return rc;
	}
	holders_vma_match(w, &v, &id);
	return 0;
}

/* The maps text, line by line: kernels before 6.11. */
static int scan_maps_text(struct worker *w, int dfd, int fd)
{
	size_t have = 0;
	int rc = 0;

	for (;;) {
		char *line, *end, *nl;
		ssize_t n;

		if (have == w->buf_size) {
			char *grown = realloc(w->buf, 2 * w->buf_size);

			if (!grown)
				return -ENOMEM;
			w->buf = grown;
			w->buf_size *= 2;
		}
		n = read(fd, w->buf + have, w->buf_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : rc;
		have += (size_t)n;
		/* whole lines now, the partial last one with the next read */
		line = w->buf;
		end = w->buf + have;
		while (!rc && (nl = memchr(line, '\n', (size_t)(end - line)))) {
			rc = maps_line(w, dfd, line, (size_t)(nl - line));
			line = nl + 1;
		}
		if (rc)
			return rc;
		have = (size_t)(end - line);
		memmove(w->buf, line, have);
	}
}

/*
 * Asks for the next file-backed mapping at or after addr, the next shared
 * one when only those can match (the kernel passes over the others, a
 * python process's hundred libraries in one call); -ENOENT after the last.
 */
static int query_vma(const struct worker *w, int fd, uint64_t addr, char *name,
		     size_t name_size, struct procmap_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_FILE_BACKED_VMA |
			 (w->s->shared_maps_only ? PROCMAP_QUERY_VMA_SHARED : 0);
	q->query_addr = addr;
	q->vma_name_addr = (uintptr_t)name;
	q->vma_name_size = (uint32_t)name_size;
	return ioctl(fd, PROCMAP_QUERY, q) < 0 ? -errno : 0;
}

/* d_path() names an unlinked file "PATH (deleted)": no path reaches it then. */
static const char *reachable_path(const char *path)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(path), d = sizeof(deleted) - 1;

	return n && !(n >= d && strcmp(path + n - d, deleted) == 0) ? path : NULL;
}

static int scan_maps_query(struct worker *w, int dfd, int fd)
{
	char path[PATH_MAX];
	struct procmap_query q;
	uint64_t addr = 0;
	int rc;

	while ((rc = query_vma(w, fd, addr, NULL, 0, &q)) == 0) {
		struct file_id id = { .dev = makedev(q.dev_major, q.dev_minor), .ino = q.inode };
		struct vma v = { .start = q.vma_start, .end = q.vma_end, .dev = id.dev,
				 .ino = id.ino,
				 .shared = q.vma_flags & PROCMAP_QUERY_VMA_SHARED,
				 .writable = q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE };

		addr = q.vma_end;
		rc = vma_prefilter(w, &id, v.shared);
		if (!rc)
			continue;
		if (rc == -EAGAIN) {
			/* the path only now, once per file: building it is what costs */
			rc = query_vma(w, fd, v.start, path, sizeof(path), &q);
			rc = vma_identify(w, dfd, &v, rc ? NULL : reachable_path(path), &id);
			if (rc < 0)
				return rc;
		}
		holders_vma_match(w, &v, &id);
	}
	/*
	 * ENOENT: past the last mapping. ESRCH: no address space, a kernel
	 * thread or an exiting process, whose fds and links tell the rest.
	 * ENOTTY or EINVAL on the first query: a kernel without the ioctl.
	 */
	if (rc == -ENOENT || rc == -ESRCH)
		return 0;
	return !addr && (rc == -ENOTTY || rc == -EINVAL) ? -ENOTTY : rc;
}

int holders_scan_maps(struct worker *w, int dfd)
{
	int fd, rc;

	fd = openat(dfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = -ENOTTY;
	if (!__atomic_load_n(&w->s->no_query, __ATOMIC_RELAXED)) {
		rc = scan_maps_query(w, dfd, fd);
		/* an older kernel: remember, and read the text from now on */
		if (rc == -ENOTTY)
			__atomic_store_n(&w->s->no_query, true, __ATOMIC_RELAXED);
	}
	if (rc == -ENOTTY)
		rc = scan_maps_text(w, dfd, fd);
	close(fd);
	return rc;
}
