// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holders of persistent-memory targets, found in one pass over /proc.
 *
 * For every process: its mappings (PROCMAP_QUERY, or the maps text with a
 * cheap device:inode test on each line before the rest is parsed), its file
 * descriptors, and its cwd, root and exe links. Workers, one per core, take
 * processes from a shared list. Files are
 * identified by device and inode, never by path: a container with its own
 * /dev or its own mount of the DAX filesystem holds the same device and
 * inodes under other names. Everything of a process is read through a
 * directory fd on /proc/PID, which goes stale (ENOENT) when that process
 * exits instead of following a reused pid to another process.
 */
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

#include "config.h"

#include "mounts.h"
#include "private.h"
#include "procmaps.h"
#include "procstatus.h"

/* The skeleton exists only when clang and bpftool were found (bpf/meson.build). */
#if HAVE_BPF && __has_include("holders.skel.h")
#define HOLDERS_BPF 1
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../bpf/holders_abi.h"
#include "bpf.h"
#include "holders.skel.h"
#else
#define HOLDERS_BPF 0
#endif

/* What the scan knows of a file: enough to test every kind of key. */
struct file_id {
	dev_t dev;
	ino_t ino;
	mode_t mode;	/* S_IFMT bits; 0 when not known */
	dev_t rdev;
};

/*
 * Mapped files already identified, by (dev, inode). A maps line carries no
 * file type, so recognising a device node (a device-dax chardev, perhaps
 * under another name in another mount namespace) takes a stat through
 * /proc/PID/map_files; each distinct file costs that once per scan.
 */
struct id_cache {
	struct file_id *slots;	/* open addressing; ino == 0 marks a free slot */
	size_t size;		/* a power of two */
	size_t used;
};

/* The scan, shared read-only by its worker threads except where noted. */
struct scan {
	struct daxpin_ctx *ctx;
	const struct daxpin_target *targets;
	size_t nr_targets;
	bool has_device_keys;
	unsigned int links;	/* which of cwd, root, exe can match some key */
	pid_t self;
	pid_t *pids;		/* the processes in /proc when the scan began */
	size_t nr_pids;
	size_t next;		/* the next pid to take; atomic */
	bool timed_out;		/* atomic */
	bool no_query;		/* atomic: the kernel has no PROCMAP_QUERY */
	bool pidfds;		/* each holding process gets a pidfd */
	struct timespec deadline;	/* zero: none */
};

/* A process found holding a target, in a worker's flat list. */
struct held {
	size_t target;
	size_t proc;		/* index into the worker's procs */
	struct daxpin_holder holder;
};

struct worker {
	struct scan *s;
	pthread_t thread;
	struct id_cache cache;
	char *buf;		/* maps text */
	size_t buf_size;
	struct daxpin_holder *acc;	/* per target: the process being scanned */
	struct daxpin_process *procs;
	size_t nr_procs, procs_cap;
	struct held *held;
	size_t nr_held, held_cap;
	size_t unreadable;	/* processes whose maps or fds were denied */
	size_t unidentified;	/* mappings whose file type could not be read */
	size_t unexamined;	/* processes skipped for another reason (EMFILE...) */
	int unexamined_error;	/* the first one's errno */
	size_t without_pidfd;	/* holders whose pidfd could not be opened */
	int rc;
};

static int key_add(struct daxpin_target *t, enum daxpin_key_kind kind, dev_t dev,
		   ino_t ino, mode_t type)
{
	struct daxpin_key *keys = realloc(t->keys, (t->nr_keys + 1) * sizeof(*keys));

	if (!keys)
		return -ENOMEM;
	t->keys = keys;
	keys[t->nr_keys++] = (struct daxpin_key){ .kind = kind, .dev = dev, .ino = ino,
						  .type = type };
	return 0;
}

DAXPIN_EXPORT int daxpin_target_add_key(struct daxpin_target *t,
					enum daxpin_key_kind kind, dev_t dev,
					ino_t ino)
{
	if (kind > DAXPIN_KEY_FILE)
		return -EINVAL;
	return key_add(t, kind, dev, kind == DAXPIN_KEY_FILE ? ino : 0, 0);
}

DAXPIN_EXPORT int daxpin_target_add_daxdev(struct daxpin_target *t,
					   const struct daxpin_daxdev *d)
{
	/* a disabled device has no character device, so nothing can hold it open */
	if (!d->major && !d->minor)
		return 0;
	return key_add(t, DAXPIN_KEY_CHARDEV, makedev(d->major, d->minor), 0, 0);
}

/*
 * A block device and its filesystems: XFS and ext4 on a block device use
 * its number as their st_dev, so the same number finds the files of every
 * mount of it, including mounts in other namespaces that our mountinfo
 * does not show.
 */
static int blockdev_keys(struct daxpin_target *t, dev_t dev)
{
	int rc = key_add(t, DAXPIN_KEY_BLOCKDEV, dev, 0, 0);

	return rc ? rc : key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0, 0);
}

DAXPIN_EXPORT int daxpin_target_add_namespace(struct daxpin_target *t,
					      const struct daxpin_namespace *ns)
{
	int rc = 0;

	for (size_t i = 0; i < ns->nr_daxdevs && !rc; i++)
		rc = daxpin_target_add_daxdev(t, &ns->daxdevs[i]);
	if (!rc && ns->blockdev)
		rc = blockdev_keys(t, makedev(ns->blk_major, ns->blk_minor));
	return rc;
}

static bool is_mount_root(const char *path, const struct statx *stx)
{
	struct statx parent;
	char *up;
	bool root;

	if (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return stx->stx_attributes & STATX_ATTR_MOUNT_ROOT;
	/* before Linux 5.8: a mount root differs from its parent in device, or is "/" */
	if (asprintf(&up, "%s/..", path) < 0)
		return false;
	root = statx(AT_FDCWD, up, 0, STATX_INO, &parent) == 0 &&
	       (parent.stx_dev_major != stx->stx_dev_major ||
		parent.stx_dev_minor != stx->stx_dev_minor ||
		parent.stx_ino == stx->stx_ino);
	free(up);
	return root;
}

DAXPIN_EXPORT int daxpin_target_add_path(struct daxpin_target *t, const char *path)
{
	struct statx stx;
	dev_t dev;

	if (statx(AT_FDCWD, path, 0, STATX_TYPE | STATX_INO, &stx) < 0)
		return -errno;
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	if (S_ISCHR(stx.stx_mode))
		return key_add(t, DAXPIN_KEY_CHARDEV,
			       makedev(stx.stx_rdev_major, stx.stx_rdev_minor), 0, 0);
	if (S_ISBLK(stx.stx_mode))
		return blockdev_keys(t, makedev(stx.stx_rdev_major, stx.stx_rdev_minor));
	if (S_ISDIR(stx.stx_mode) && is_mount_root(path, &stx))
		return key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0, 0);
	return key_add(t, DAXPIN_KEY_FILE, dev, stx.stx_ino, stx.stx_mode & S_IFMT);
}

DAXPIN_EXPORT void daxpin_target_clear(struct daxpin_target *t)
{
	free(t->keys);
	t->keys = NULL;
	t->nr_keys = 0;
}

static bool key_matches(const struct daxpin_key *k, const struct file_id *id)
{
	switch (k->kind) {
	case DAXPIN_KEY_CHARDEV:
		return S_ISCHR(id->mode) && id->rdev == k->dev;
	case DAXPIN_KEY_BLOCKDEV:
		return S_ISBLK(id->mode) && id->rdev == k->dev;
	case DAXPIN_KEY_FILESYSTEM:
		return id->dev == k->dev;
	case DAXPIN_KEY_FILE:
		return id->dev == k->dev && id->ino == k->ino;
	}
	return false;
}

static bool target_matches(const struct daxpin_target *t, const struct file_id *id)
{
	for (size_t i = 0; i < t->nr_keys; i++)
		if (key_matches(&t->keys[i], id))
			return true;
	return false;
}

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

static void id_from_statx(struct file_id *id, const struct statx *stx)
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
static int stat_entry(int dirfd, const char *name, struct file_id *id)
{
	struct statx stx;

	if (statx(dirfd, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0)
		return -errno;
	id_from_statx(id, &stx);
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

/* A file-backed mapping, from either source. */
struct vma {
	uint64_t start, end;
	dev_t dev;
	ino_t ino;
	bool shared, writable;
};

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
	rc = stat_entry(dfd, name, &found);
	if (rc < 0 && path && path[0] == '/' &&
	    (size_t)snprintf(name, sizeof(name), "root%s", path) < sizeof(name))
		rc = stat_entry(dfd, name, &found);
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
 * type must be identified first.
 */
static int vma_prefilter(const struct worker *w, struct file_id *id)
{
	const struct file_id *cached;

	if (!w->s->has_device_keys)
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

static void vma_match(struct worker *w, const struct vma *v, const struct file_id *id)
{
	for (size_t i = 0; i < w->s->nr_targets; i++) {
		struct daxpin_holder *acc = &w->acc[i];

		if (!target_matches(&w->s->targets[i], id))
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
	rc = vma_prefilter(w, &id);
	if (!rc || procmaps_parse_line(line, len, &e) < 0)
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
	vma_match(w, &v, &id);
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

/* Asks for the next file-backed mapping at or after addr; -ENOENT after the last. */
static int query_vma(int fd, uint64_t addr, char *name, size_t name_size,
		     struct procmap_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_FILE_BACKED_VMA;
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

	while ((rc = query_vma(fd, addr, NULL, 0, &q)) == 0) {
		struct file_id id = { .dev = makedev(q.dev_major, q.dev_minor), .ino = q.inode };
		struct vma v = { .start = q.vma_start, .end = q.vma_end, .dev = id.dev,
				 .ino = id.ino,
				 .shared = q.vma_flags & PROCMAP_QUERY_VMA_SHARED,
				 .writable = q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE };

		addr = q.vma_end;
		rc = vma_prefilter(w, &id);
		if (!rc)
			continue;
		if (rc == -EAGAIN) {
			/* the path only now, once per file: building it is what costs */
			rc = query_vma(fd, v.start, path, sizeof(path), &q);
			rc = vma_identify(w, dfd, &v, rc ? NULL : reachable_path(path), &id);
			if (rc < 0)
				return rc;
		}
		vma_match(w, &v, &id);
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

static int scan_maps(struct worker *w, int dfd)
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

static void match_access(struct worker *w, const struct file_id *id, unsigned int access)
{
	for (size_t i = 0; i < w->s->nr_targets; i++)
		if (target_matches(&w->s->targets[i], id)) {
			w->acc[i].access |= access;
			if (access == DAXPIN_ACCESS_FD)
				w->acc[i].fds++;
		}
}

static int scan_fds(struct worker *w, int dfd)
{
	char dents[16384];
	ssize_t n;
	int fd;

	fd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = getdents64(fd, dents, sizeof(dents))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(dents + off);
			struct file_id id;

			off += d->d_reclen;
			/* an fd closed since getdents is simply gone */
			if (d->d_name[0] != '.' && stat_entry(fd, d->d_name, &id) == 0)
				match_access(w, &id, DAXPIN_ACCESS_FD);
		}
		/*
		 * procfs fills the buffer until the last fd or until the next
		 * entry (under 64 bytes) does not fit: with room left, that
		 * was all, and the empty getdents that would say so is saved.
		 */
		if ((size_t)n + 64 < sizeof(dents))
			break;
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

static const struct {
	const char *name;
	unsigned int access;
} proc_links[] = {
	{ "cwd", DAXPIN_ACCESS_CWD },
	{ "root", DAXPIN_ACCESS_ROOT },
	{ "exe", DAXPIN_ACCESS_EXE },
};

static void scan_links(struct worker *w, int dfd)
{
	struct file_id id;

	/* kernel threads have no exe; denied ones were counted with the fds */
	for (size_t i = 0; i < sizeof(proc_links) / sizeof(proc_links[0]); i++)
		if ((w->s->links & proc_links[i].access) &&
		    stat_entry(dfd, proc_links[i].name, &id) == 0)
			match_access(w, &id, proc_links[i].access);
}

/*
 * cwd and root are directories, exe a regular file: a scan for devices or
 * for regular files need not look at the links that cannot match.
 */
static unsigned int links_that_can_match(const struct daxpin_target *targets,
					 size_t nr_targets)
{
	const unsigned int dir = DAXPIN_ACCESS_CWD | DAXPIN_ACCESS_ROOT;
	unsigned int links = 0;

	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++) {
			const struct daxpin_key *k = &targets[i].keys[j];

			if (k->kind == DAXPIN_KEY_FILESYSTEM ||
			    (k->kind == DAXPIN_KEY_FILE && !k->type))
				links |= dir | DAXPIN_ACCESS_EXE;
			else if (k->kind == DAXPIN_KEY_FILE && S_ISDIR(k->type))
				links |= dir;
			else if (k->kind == DAXPIN_KEY_FILE && S_ISREG(k->type))
				links |= DAXPIN_ACCESS_EXE;
		}
	return links;
}

/*
 * Reads a whole /proc file through dfd into *text (NUL-terminated, freed by
 * the caller): status holds a Groups: line of any length. -ENOENT or -ESRCH
 * once the process is gone.
 */
static int read_whole(int dfd, const char *name, char **text)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd, rc = 0;

	*text = NULL;
	if (!buf)
		return -ENOMEM;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *grown = realloc(buf, 2 * cap);

			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

static int read_status(int dfd, struct daxpin_process *p)
{
	char *text;
	int rc = read_whole(dfd, "status", &text);

	if (rc < 0)
		return rc;
	procstatus_parse(text, strlen(text), p);
	free(text);
	return 0;
}

/*
 * The cgroup v2 path ("0::/kubepods.slice/..."), which names a container
 * or a Kubernetes pod; on a v1-only system the first hierarchy's path.
 */
static int read_cgroup(int dfd, struct daxpin_process *p)
{
	char *text, *line, *save = NULL, *path = NULL;
	int rc = read_whole(dfd, "cgroup", &text);

	if (rc < 0)
		return rc == -ENOENT || rc == -ESRCH || rc == -ENOMEM ? rc : 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		colon = colon ? strchr(colon + 1, ':') : NULL;
		if (!colon)
			continue;
		if (strncmp(line, "0::", 3) == 0 || !path)
			path = colon + 1;
		if (strncmp(line, "0::", 3) == 0)
			break;
	}
	if (path && !(p->cgroup = strdup(path)))
		rc = -ENOMEM;
	free(text);
	return rc;
}

static void process_release(struct daxpin_process *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->cgroup);
}

/* Files p, a process holding something, with its findings in w->acc. */
static int push_process(struct worker *w, struct daxpin_process *p)
{
	size_t nr_held = 0;

	for (size_t i = 0; i < w->s->nr_targets; i++)
		nr_held += w->acc[i].access != 0;
	if (array_grow((void **)&w->procs, &w->procs_cap, w->nr_procs + 1, sizeof(*w->procs)) < 0 ||
	    array_grow((void **)&w->held, &w->held_cap, w->nr_held + nr_held, sizeof(*w->held)) < 0) {
		process_release(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->s->nr_targets; i++) {
		struct daxpin_holder *acc = &w->acc[i];

		if (!acc->access)
			continue;
		if (p->vm_pinned_bytes && (acc->access & (DAXPIN_ACCESS_MAP | DAXPIN_ACCESS_FD)))
			acc->access |= DAXPIN_ACCESS_PIN;
		w->held[w->nr_held++] = (struct held){ .target = i, .proc = w->nr_procs,
						       .holder = *acc };
	}
	w->procs[w->nr_procs++] = *p;
	return 0;
}

/*
 * A pidfd for a holder when the caller wants them, or -errno: -ENOSYS also
 * when not wanted, -ESRCH when the process is gone. Any other error (out of
 * file descriptors) leaves the holder without one, counted, but reported.
 */
static int holder_pidfd(const struct scan *s, pid_t pid)
{
	int pidfd;

	if (!s->pidfds)
		return -ENOSYS;
	pidfd = pidfd_open(pid, 0);
	return pidfd >= 0 ? pidfd : -errno;
}

/*
 * Files process pid, found holding something, from /proc/PID through dfd.
 * The pidfd first, the rest through dfd after it: reading succeeds only
 * while the process scanned is alive, which proves it had the pid when the
 * pidfd was opened. -ENOENT or -ESRCH when it is gone by now: it holds
 * nothing any more.
 */
static int record_process(struct worker *w, int dfd, pid_t pid)
{
	int pidfd = holder_pidfd(w->s, pid);
	struct daxpin_process p = { .pid = pid, .pidfd = pidfd >= 0 ? pidfd : -1 };
	int rc;

	if (pidfd == -ESRCH)
		return pidfd;
	rc = read_status(dfd, &p);
	if (!rc)
		rc = read_cgroup(dfd, &p);
	if (rc < 0) {
		process_release(&p);
		return rc;
	}
	if (pidfd < 0 && pidfd != -ENOSYS)
		w->without_pidfd++;
	return push_process(w, &p);
}

static bool any_access(const struct worker *w)
{
	for (size_t i = 0; i < w->s->nr_targets; i++)
		if (w->acc[i].access)
			return true;
	return false;
}

static bool gone(int rc)
{
	return rc == -ENOENT || rc == -ESRCH;
}

static bool denied(int rc)
{
	return rc == -EACCES || rc == -EPERM;
}

/*
 * A process that could not be examined for a reason other than privilege
 * (out of file descriptors, say): never skipped silently, it makes the
 * result incomplete.
 */
static void count_unexamined(struct worker *w, pid_t pid, int rc)
{
	dbg(w->s->ctx, "pid %d: not examined: %s\n", pid, strerror(-rc));
	if (!w->unexamined++)
		w->unexamined_error = -rc;
}

/*
 * No memory of its own (its exe link is gone): a kernel thread, or a
 * process whose exit has released its memory and is closing its files
 * (processes that exit during the scan are left out). A scan for device
 * nodes alone, which the cwd, root and exe links cannot match, need not
 * read its maps and fds: on a small system most processes are kernel
 * threads, and one readlink is cheaper than reading both (a drain's final
 * check scans every process).
 */
static bool without_memory(const struct scan *s, int dfd)
{
	char target[8];

	return !s->links && readlinkat(dfd, "exe", target, sizeof(target)) < 0 &&
	       errno == ENOENT;
}

static int scan_process(struct worker *w, int proc_fd, pid_t pid)
{
	const struct scan *s = w->s;
	bool unreadable;
	char name[16];
	int dfd, rc;

	snprintf(name, sizeof(name), "%d", (int)pid);
	/* O_PATH: only a handle to reach the process's files by, no open of its own */
	dfd = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (!gone(-errno))
			count_unexamined(w, pid, -errno);
		return 0;
	}
	if (without_memory(s, dfd)) {
		close(dfd);
		return 0;
	}
	memset(w->acc, 0, s->nr_targets * sizeof(*w->acc));
	rc = scan_maps(w, dfd);
	unreadable = denied(rc);
	if (!rc || unreadable) {
		rc = scan_fds(w, dfd);
		unreadable |= denied(rc);
	}
	if (!rc || denied(rc)) {
		scan_links(w, dfd);
		rc = any_access(w) ? record_process(w, dfd, pid) : 0;
	}
	if (unreadable) {
		dbg(s->ctx, "pid %d: maps or fds not readable\n", pid);
		w->unreadable++;
	}
	if (rc < 0 && rc != -ENOMEM && !gone(rc) && !denied(rc))
		count_unexamined(w, pid, rc);
	close(dfd);
	return rc == -ENOMEM ? rc : 0;
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	if (!deadline->tv_sec && !deadline->tv_nsec)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Workers take pids one at a time: some processes cost far more than others. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct scan *s = w->s;
	int proc_fd;

	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0) {
		w->rc = -errno;
		return NULL;
	}
	while (!w->rc) {
		size_t i = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);

		if (i >= s->nr_pids)
			break;
		if (past(&s->deadline)) {
			__atomic_store_n(&s->timed_out, true, __ATOMIC_RELAXED);
			break;
		}
		if (s->pids[i] != s->self)
			w->rc = scan_process(w, proc_fd, s->pids[i]);
	}
	close(proc_fd);
	return NULL;
}

static int list_pids(struct scan *s)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while (!rc && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		rc = array_grow((void **)&s->pids, &cap, s->nr_pids + 1, sizeof(*s->pids));
		if (!rc)
			s->pids[s->nr_pids++] = (pid_t)strtol(d->d_name, NULL, 10);
	}
	closedir(dir);
	return rc;
}

static int worker_init(struct worker *w, struct scan *s)
{
	w->s = s;
	w->buf_size = 65536;
	w->buf = malloc(w->buf_size);
	w->acc = calloc(s->nr_targets ? s->nr_targets : 1, sizeof(*w->acc));
	w->cache.size = 256;
	w->cache.slots = calloc(w->cache.size, sizeof(*w->cache.slots));
	return w->buf && w->acc && w->cache.slots ? 0 : -ENOMEM;
}

static void worker_release(struct worker *w)
{
	for (size_t i = 0; i < w->nr_procs; i++)
		process_release(&w->procs[i]);
	free(w->procs);
	free(w->held);
	free(w->buf);
	free(w->acc);
	free(w->cache.slots);
}

/*
 * /proc is read by the kernel for the reading thread, so the scan scales
 * with the cores: one worker per core, at most 8, none idle on a small
 * system.
 */
static size_t nr_workers(size_t nr_pids)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 0 ? (size_t)cpus : 1;

	if (n > 8)
		n = 8;
	if (n > nr_pids / 256 + 1)
		n = nr_pids / 256 + 1;
	return n;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct daxpin_holder *x = a, *y = b;

	return (x->proc->pid > y->proc->pid) - (x->proc->pid < y->proc->pid);
}

/* Moves the workers' findings into h; the processes change owner. */
static int merge(struct daxpin_holders *h, struct worker *w, size_t nr_w)
{
	size_t nr_procs = 0;

	for (size_t i = 0; i < nr_w; i++) {
		nr_procs += w[i].nr_procs;
		for (size_t j = 0; j < w[i].nr_held; j++)
			h->targets[w[i].held[j].target].nr_holders++;
		h->unreadable += w[i].unreadable;
		h->unidentified += w[i].unidentified;
		if (!h->unexamined_error)
			h->unexamined_error = w[i].unexamined_error;
		h->unexamined += w[i].unexamined;
		h->without_pidfd += w[i].without_pidfd;
	}
	h->procs = calloc(nr_procs ? nr_procs : 1, sizeof(*h->procs));
	if (!h->procs)
		return -ENOMEM;
	for (size_t t = 0; t < h->nr_targets; t++) {
		struct daxpin_target_holders *th = &h->targets[t];

		th->holders = calloc(th->nr_holders ? th->nr_holders : 1, sizeof(*th->holders));
		if (!th->holders)
			return -ENOMEM;
		th->nr_holders = 0;
	}
	for (size_t i = 0; i < nr_w; i++) {
		struct daxpin_process *base = h->procs + h->nr_procs;

		if (w[i].nr_procs)
			memcpy(base, w[i].procs, w[i].nr_procs * sizeof(*base));
		h->nr_procs += w[i].nr_procs;
		w[i].nr_procs = 0;
		for (size_t j = 0; j < w[i].nr_held; j++) {
			struct daxpin_target_holders *th = &h->targets[w[i].held[j].target];
			struct daxpin_holder *hd = &th->holders[th->nr_holders++];

			*hd = w[i].held[j].holder;
			hd->proc = base + w[i].held[j].proc;
		}
	}
	for (size_t t = 0; t < h->nr_targets; t++)
		if (h->targets[t].nr_holders)
			qsort(h->targets[t].holders, h->targets[t].nr_holders,
			      sizeof(*h->targets[t].holders), holder_cmp);
	return 0;
}

/* Appends one reason to *reason, "; " between them. */
static int reason_add(char **reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int reason_add(char **reason, const char *fmt, ...)
{
	char *one, *both;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&one, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	if (!*reason) {
		*reason = one;
		return 0;
	}
	rc = asprintf(&both, "%s; %s", *reason, one);
	free(one);
	if (rc < 0)
		return -ENOMEM;
	free(*reason);
	*reason = both;
	return 0;
}

/* Every cause of an incomplete result, the most serious first. */
static int set_reason(struct daxpin_holders *h)
{
	char *reason = NULL;
	int rc = 0;

	if (h->timed_out)
		rc = reason_add(&reason, "the scan stopped at its time limit; later processes were not examined");
	if (!rc && h->unexamined)
		rc = reason_add(&reason, "%zu processes could not be examined: %s%s",
				h->unexamined, strerror(h->unexamined_error),
				h->unexamined_error == EMFILE || h->unexamined_error == ENFILE ?
				" (raise the open-file limit: ulimit -n)" : "");
	if (!rc && h->hidden)
		rc = reason_add(&reason, "/proc is mounted with hidepid: other users' processes are invisible; run as root");
	if (!rc && h->unreadable)
		rc = reason_add(&reason, "%zu processes not readable (other users' or more privileged): need root or CAP_SYS_PTRACE",
				h->unreadable);
	if (!rc && h->pid_namespace)
		rc = reason_add(&reason, "running in a pid namespace: processes outside it are not visible");
	if (!rc && h->unidentified)
		rc = reason_add(&reason, "%zu mappings could not be identified: need CAP_SYS_ADMIN for /proc/PID/map_files",
				h->unidentified);
	if (!rc && h->without_pidfd)
		rc = reason_add(&reason, "%zu holders have no pidfd: out of file descriptors (ulimit -n)",
				h->without_pidfd);
	if (rc < 0) {
		free(reason);
		return -ENOMEM;
	}
	h->complete = !reason;
	h->reason = reason;
	return 0;
}

static void deadline_set(struct timespec *deadline, unsigned int timeout_ms)
{
	if (!timeout_ms)
		return;
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/*
 * Whether pids here are the kernel's: in a container's pid namespace,
 * processes outside it do not appear in /proc, and BPF iterators report
 * pids of the initial namespace, which our /proc does not show.
 */
static bool in_initial_pid_ns(void)
{
	struct stat st;

	/* PROC_PID_INIT_INO */
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCU;
}

static bool in_group(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (getegid() == gid)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Whether /proc hides other users' processes from us altogether
 * (hidepid=2/invisible or 4/ptraceable; hidepid=1 only denies access, which
 * the scan counts). Root and members of the gid= group see them all.
 */
static bool proc_hides_processes(void)
{
	char *line = NULL;
	size_t cap = 0;
	bool hides = false;
	FILE *f;

	if (geteuid() == 0)
		return false;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	/* overlay lines run past any fixed buffer: getline */
	while (!hides && getline(&line, &cap, f) > 0) {
		struct mountinfo_entry e;
		const char *hidepid, *gid;

		if (mountinfo_parse_line(line, &e) < 0 || strcmp(e.target, "/proc") ||
		    strcmp(e.fstype, "proc"))
			continue;
		hidepid = strstr(e.super_options, "hidepid=");
		gid = strstr(e.super_options, "gid=");
		hides = hidepid && (hidepid[8] == '2' || hidepid[8] == '4' ||
				    !strncmp(hidepid + 8, "invisible", 9) ||
				    !strncmp(hidepid + 8, "ptraceable", 10));
		if (hides && gid && in_group((gid_t)strtoul(gid + 4, NULL, 10)))
			hides = false;
	}
	free(line);
	fclose(f);
	return hides;
}

/* The /proc scan: workers, one per core, each taking processes in turn. */
static int scan_proc(struct scan *s, struct daxpin_holders *h)
{
	struct worker *w = NULL;
	size_t nr_w = 0, started = 0;
	int rc;

	h->hidden = proc_hides_processes();
	h->pid_namespace = !in_initial_pid_ns();
	rc = list_pids(s);
	if (rc < 0)
		goto out;
	nr_w = nr_workers(s->nr_pids);
	w = calloc(nr_w, sizeof(*w));
	if (!w) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr_w && !rc; i++)
		rc = worker_init(&w[i], s);
	/* the calling thread is worker 0 */
	for (started = 1; !rc && started < nr_w; started++)
		rc = -pthread_create(&w[started].thread, NULL, worker_run, &w[started]);
	if (rc)
		started--;
	if (!rc)
		worker_run(&w[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(w[i].thread, NULL);
	for (size_t i = 0; i < nr_w && !rc; i++)
		rc = w[i].rc;
	h->timed_out = s->timed_out;
	if (!rc)
		rc = merge(h, w, nr_w);
out:
	for (size_t i = 0; i < nr_w; i++)
		worker_release(&w[i]);
	free(w);
	return rc;
}

#if HOLDERS_BPF
static __u32 dev_to_kernel(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

static dev_t dev_from_kernel(__u32 kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

static int filter_add(__u32 *set, __u32 *nr, dev_t dev)
{
	__u32 kdev = dev_to_kernel(dev);

	for (__u32 i = 0; i < *nr; i++)
		if (set[i] == kdev)
			return 0;
	if (*nr == HOLDERS_DEVS_MAX)
		return -E2BIG;
	set[(*nr)++] = kdev;
	return 0;
}

/* The devices the programs pass on: of filesystems and files, and device nodes'. */
static int filter_fill(const struct scan *s, struct holders_filter *f)
{
	int rc = 0;

	for (size_t i = 0; i < s->nr_targets && !rc; i++)
		for (size_t j = 0; j < s->targets[i].nr_keys && !rc; j++) {
			const struct daxpin_key *k = &s->targets[i].keys[j];

			if (k->kind == DAXPIN_KEY_CHARDEV || k->kind == DAXPIN_KEY_BLOCKDEV)
				rc = filter_add(f->rdevs, &f->nr_rdevs, k->dev);
			else
				rc = filter_add(f->devs, &f->nr_devs, k->dev);
		}
	return rc;
}

/* A growing array of records, read from the iterators. */
struct recs {
	char *buf;
	size_t len, cap;
};

/* The iterators with the targets' filter in their .bss, locked while in use. */
static int bpf_open(const struct scan *s, struct holders **skel, struct bpf_loaded *loaded)
{
	struct holders_filter filter = { 0 };
	int rc;

	rc = filter_fill(s, &filter);
	if (rc)
		return rc;
	rc = BPF_SKELETON_GET(s->ctx, holders, skel, "", loaded);
	if (rc)
		return rc;
	bpf_loaded_lock(loaded);
	(*skel)->bss->filter = filter;
	return 0;
}

static int iter_read(const struct bpf_loaded *loaded, const struct bpf_program *prog,
		     struct recs *r)
{
	return bpf_iter_read_all(bpf_loaded_prog_fd(loaded, prog), &r->buf, &r->len, &r->cap);
}

static const struct holders_rec *rec_at(const struct recs *r, size_t i)
{
	return (const struct holders_rec *)r->buf + i;
}

static size_t recs_nr(const struct recs *r)
{
	return r->len / sizeof(struct holders_rec);
}

/* By process (tgid and start time), the process's own record first. */
static int rec_cmp(const void *a, const void *b)
{
	const struct holders_rec *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	if (x->start_boottime != y->start_boottime)
		return (x->start_boottime > y->start_boottime) - (x->start_boottime < y->start_boottime);
	return (x->kind < y->kind) - (x->kind > y->kind);
}

static void rec_match(struct worker *w, const struct holders_rec *r)
{
	static const unsigned int link_access[] = {
		[HOLDERS_REC_FD] = DAXPIN_ACCESS_FD,
		[HOLDERS_REC_CWD] = DAXPIN_ACCESS_CWD,
		[HOLDERS_REC_ROOT] = DAXPIN_ACCESS_ROOT,
		[HOLDERS_REC_EXE] = DAXPIN_ACCESS_EXE,
	};
	struct file_id id = { .dev = dev_from_kernel(r->dev), .ino = r->ino,
			      .mode = r->mode & S_IFMT, .rdev = dev_from_kernel(r->rdev) };

	if (r->kind == HOLDERS_REC_VMA) {
		struct vma v = { .start = r->start, .end = r->end, .dev = id.dev,
				 .ino = id.ino, .shared = r->vm_shared_write & 1,
				 .writable = r->vm_shared_write & 2 };

		vma_match(w, &v, &id);
	} else if (r->kind < sizeof(link_access) / sizeof(link_access[0])) {
		match_access(w, &id, link_access[r->kind]);
	}
}

/* A process found holding something, waiting for its pidfd to be proven. */
struct candidate {
	size_t first, end;	/* its records in the sorted first pass */
	int pidfd;		/* or -errno, as holder_pidfd() */
};

/* The cgroup path of a cgroup id, read from /proc/PID/cgroup once per id. */
struct cgroup_memo {
	uint64_t id;
	char *path;
};

static int cgroup_path(struct cgroup_memo **memo, size_t *nr, size_t *cap,
		       int proc_fd, const struct holders_rec *task, char **path)
{
	struct daxpin_process p = { 0 };
	char name[16];
	int dfd, rc;

	for (size_t i = 0; i < *nr; i++)
		if ((*memo)[i].id == task->cgroup_id) {
			*path = strdup((*memo)[i].path);
			return *path ? 0 : -ENOMEM;
		}
	snprintf(name, sizeof(name), "%u", task->tgid);
	dfd = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	rc = dfd < 0 ? 0 : read_cgroup(dfd, &p);
	if (dfd >= 0)
		close(dfd);
	/* gone meanwhile: the path stays unknown, and is not remembered */
	if (rc < 0 || !p.cgroup)
		return rc == -ENOMEM ? rc : 0;
	rc = array_grow((void **)memo, cap, *nr + 1, sizeof(**memo));
	if (!rc) {
		(*memo)[(*nr)++] = (struct cgroup_memo){ .id = task->cgroup_id, .path = p.cgroup };
		*path = strdup(p.cgroup);
		rc = *path ? 0 : -ENOMEM;
	} else {
		free(p.cgroup);
	}
	return rc;
}

/* The second pass's record of a process, by tgid; NULL if it has none. */
static const struct holders_rec *task_find(const struct recs *r, uint32_t tgid)
{
	size_t lo = 0, hi = recs_nr(r);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rec_at(r, mid)->tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < recs_nr(r) && rec_at(r, lo)->tgid == tgid ? rec_at(r, lo) : NULL;
}

/*
 * The scan with BPF iterators. The first pass collects every process's
 * candidate files and who it is; the processes that hold something get a
 * pidfd; the second pass (the task program again) proves each pidfd names
 * the process the first pass saw: the same tgid with the same start time
 * still alive after the pidfd was opened. -ENOTSUP and load errors mean:
 * read /proc instead.
 */
static int scan_bpf(struct scan *s, struct daxpin_holders *h)
{
	long page = sysconf(_SC_PAGESIZE);
	struct recs first = { 0 }, second = { 0 };
	struct candidate *cand = NULL;
	size_t nr_cand = 0, cand_cap = 0, nr_memo = 0, memo_cap = 0;
	struct cgroup_memo *memo = NULL;
	struct holders *skel = NULL;
	struct bpf_loaded loaded;
	struct worker w = { 0 };
	int proc_fd = -1, pidfd, rc;

	if (!in_initial_pid_ns())
		return -ENOTSUP;
	rc = bpf_open(s, &skel, &loaded);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_fds, &first);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_vmas, &first);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_links, &first);
	if (!rc)
		rc = worker_init(&w, s);
	if (rc)
		goto out;
	if (recs_nr(&first))
		qsort(first.buf, recs_nr(&first), sizeof(struct holders_rec), rec_cmp);
	for (size_t i = 0, j; !rc && i < recs_nr(&first); i = j) {
		memset(w.acc, 0, s->nr_targets * sizeof(*w.acc));
		for (j = i; j < recs_nr(&first) && rec_at(&first, j)->tgid == rec_at(&first, i)->tgid &&
			    rec_at(&first, j)->start_boottime == rec_at(&first, i)->start_boottime; j++)
			rec_match(&w, rec_at(&first, j));
		if (!any_access(&w) || (pid_t)rec_at(&first, i)->tgid == s->self)
			continue;
		pidfd = holder_pidfd(s, (pid_t)rec_at(&first, i)->tgid);
		if (pidfd == -ESRCH)
			continue;	/* exited since */
		rc = array_grow((void **)&cand, &cand_cap, nr_cand + 1, sizeof(*cand));
		if (!rc)
			cand[nr_cand++] = (struct candidate){ .first = i, .end = j, .pidfd = pidfd };
		else if (pidfd >= 0)
			close(pidfd);
	}
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_links, &second);
	if (rc)
		goto out;
	/* only the process records of the second pass matter, and they come first */
	if (recs_nr(&second))
		qsort(second.buf, recs_nr(&second), sizeof(struct holders_rec), rec_cmp);
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t c = 0; c < nr_cand; c++) {
		const struct holders_rec *r = rec_at(&first, cand[c].first);
		const struct holders_rec *now = task_find(&second, r->tgid);
		struct daxpin_process p = { .pid = (pid_t)r->tgid,
					    .pidfd = cand[c].pidfd >= 0 ? cand[c].pidfd : -1 };
		bool without_pidfd = cand[c].pidfd < 0 && cand[c].pidfd != -ENOSYS;

		cand[c].pidfd = -1;
		if (rc || !now || now->kind != HOLDERS_REC_TASK ||
		    now->start_boottime != r->start_boottime) {
			process_release(&p);
			continue;	/* exited: holds nothing now */
		}
		snprintf(p.comm, sizeof(p.comm), "%.16s", now->comm);
		p.uid = now->euid;
		p.vm_pinned_bytes = now->pinned_pages * (uint64_t)page;
		if (proc_fd >= 0)
			rc = cgroup_path(&memo, &nr_memo, &memo_cap, proc_fd, now, &p.cgroup);
		memset(w.acc, 0, s->nr_targets * sizeof(*w.acc));
		for (size_t j = cand[c].first; j < cand[c].end; j++)
			rec_match(&w, rec_at(&first, j));
		w.without_pidfd += without_pidfd;
		if (rc)
			process_release(&p);
		else
			rc = push_process(&w, &p);
	}
	if (!rc)
		rc = merge(h, &w, 1);
out:
	for (size_t c = 0; c < nr_cand; c++)
		if (cand[c].pidfd >= 0)
			close(cand[c].pidfd);
	for (size_t i = 0; i < nr_memo; i++)
		free(memo[i].path);
	free(memo);
	free(cand);
	if (proc_fd >= 0)
		close(proc_fd);
	worker_release(&w);
	free(first.buf);
	free(second.buf);
	if (skel)
		bpf_loaded_unlock(&loaded);
	BPF_SKELETON_PUT(holders, skel, &loaded);
	return rc;
}

#endif

DAXPIN_EXPORT int daxpin_holders_scan(struct daxpin_ctx *ctx,
				      const struct daxpin_target *targets,
				      size_t nr_targets, unsigned int timeout_ms,
				      unsigned int flags, struct daxpin_holders **out)
{
	struct scan s = { .ctx = ctx, .targets = targets, .nr_targets = nr_targets,
			  .self = getpid(), .pidfds = !(flags & DAXPIN_HOLDERS_NO_PIDFD) };
	struct daxpin_holders *h;
	int rc = -ENOTSUP;

	*out = NULL;
	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++)
			s.has_device_keys |= targets[i].keys[j].kind == DAXPIN_KEY_CHARDEV ||
					     targets[i].keys[j].kind == DAXPIN_KEY_BLOCKDEV;
	s.links = links_that_can_match(targets, nr_targets);
	deadline_set(&s.deadline, timeout_ms);
	h = calloc(1, sizeof(*h));
	if (!h || !(h->targets = calloc(nr_targets ? nr_targets : 1, sizeof(*h->targets)))) {
		daxpin_holders_free(h);
		return -ENOMEM;
	}
	h->nr_targets = nr_targets;
#if HOLDERS_BPF
	if (!(flags & DAXPIN_HOLDERS_NO_BPF)) {
		rc = scan_bpf(&s, h);
		if (rc && rc != -ENOMEM)
			dbg(ctx, "BPF iterators not used (%s): reading /proc\n", strerror(-rc));
	}
#endif
	h->via_bpf = !rc;
	if (rc && rc != -ENOMEM)
		rc = scan_proc(&s, h);
	if (!rc)
		rc = set_reason(h);
	free(s.pids);
	if (rc < 0) {
		daxpin_holders_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

DAXPIN_EXPORT void daxpin_holders_free(struct daxpin_holders *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nr_targets; i++)
		free(h->targets[i].holders);
	for (size_t i = 0; i < h->nr_procs; i++)
		process_release(&h->procs[i]);
	free(h->targets);
	free(h->procs);
	free(h->reason);
	daxpin_owners_free(h->owners);
	free(h);
}

int holders_read_cgroup(int dfd, struct daxpin_process *p)
{
	return read_cgroup(dfd, p);
}
