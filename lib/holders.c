// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holders of persistent-memory targets, found in one pass over /proc.
 *
 * For every process: its maps (a cheap device:inode test on each line
 * first), its file descriptors, and its cwd, root and exe links. Files are
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/holders.h>

#include "private.h"
#include "procmaps.h"

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

struct scan {
	struct daxpin_ctx *ctx;
	const struct daxpin_target *targets;
	size_t nr_targets;
	bool has_device_keys;
	struct id_cache cache;
	char *buf;		/* maps text */
	size_t buf_size;
	struct daxpin_holder *acc;	/* per target: the process being scanned */
	struct daxpin_holders *h;
	size_t **holder_proc;	/* per target, parallel to its holders: index into h->procs */
	struct timespec deadline;
};

static int key_add(struct daxpin_target *t, enum daxpin_key_kind kind, dev_t dev,
		   ino_t ino)
{
	struct daxpin_key *keys = realloc(t->keys, (t->nr_keys + 1) * sizeof(*keys));

	if (!keys)
		return -ENOMEM;
	t->keys = keys;
	keys[t->nr_keys++] = (struct daxpin_key){ .kind = kind, .dev = dev, .ino = ino };
	return 0;
}

DAXPIN_EXPORT int daxpin_target_add_key(struct daxpin_target *t,
					enum daxpin_key_kind kind, dev_t dev,
					ino_t ino)
{
	if (kind > DAXPIN_KEY_FILE)
		return -EINVAL;
	return key_add(t, kind, dev, kind == DAXPIN_KEY_FILE ? ino : 0);
}

DAXPIN_EXPORT int daxpin_target_add_daxdev(struct daxpin_target *t,
					   const struct daxpin_daxdev *d)
{
	/* a disabled device has no character device, so nothing can hold it open */
	if (!d->major && !d->minor)
		return 0;
	return key_add(t, DAXPIN_KEY_CHARDEV, makedev(d->major, d->minor), 0);
}

/*
 * A block device and its filesystems: XFS and ext4 on a block device use
 * its number as their st_dev, so the same number finds the files of every
 * mount of it, including mounts in other namespaces that our mountinfo
 * does not show.
 */
static int blockdev_keys(struct daxpin_target *t, dev_t dev)
{
	int rc = key_add(t, DAXPIN_KEY_BLOCKDEV, dev, 0);

	return rc ? rc : key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0);
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
			       makedev(stx.stx_rdev_major, stx.stx_rdev_minor), 0);
	if (S_ISBLK(stx.stx_mode))
		return blockdev_keys(t, makedev(stx.stx_rdev_major, stx.stx_rdev_minor));
	if (S_ISDIR(stx.stx_mode) && is_mount_root(path, &stx))
		return key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0);
	return key_add(t, DAXPIN_KEY_FILE, dev, stx.stx_ino);
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
 * The type of a mapped file: /proc/PID/map_files/START-END needs
 * CAP_SYS_ADMIN; without it, the path as the process sees it through
 * /proc/PID/root (for processes we may ptrace). An unlinked file can only
 * be reached the first way.
 */
static int identify_mapping(struct scan *s, int dfd, const char *line,
			    size_t len, struct file_id *id)
{
	struct procmaps_entry e;
	char name[PATH_MAX + 8];
	struct file_id found;
	int rc;

	if (procmaps_parse_line(line, len, &e) < 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "map_files/%" PRIx64 "-%" PRIx64, e.start, e.end);
	rc = stat_entry(dfd, name, &found);
	if (rc < 0 && !procmaps_path_deleted(&e) && e.path && e.path[0] == '/') {
		memcpy(name, "root", 4);
		if (procmaps_path(&e, name + 4, sizeof(name) - 4) >= 0)
			rc = stat_entry(dfd, name, &found);
	}
	/* the same file under both names, unless it was replaced meanwhile */
	if (rc < 0 || found.dev != id->dev || found.ino != id->ino)
		return rc < 0 ? rc : -ESTALE;
	*id = found;
	return cache_insert(&s->cache, id);
}

static void holder_add_map(struct daxpin_holder *acc, const char *line, size_t len)
{
	struct procmaps_entry e;

	if (procmaps_parse_line(line, len, &e) < 0)
		return;
	acc->access |= DAXPIN_ACCESS_MAP;
	acc->mapped_bytes += e.end - e.start;
	acc->shared |= e.shared;
	acc->writable |= e.writable;
}

static int maps_line(struct scan *s, int dfd, const char *line, size_t len)
{
	struct file_id id = { 0 };
	unsigned int major, minor;
	uint64_t ino;

	/* anonymous and special mappings ([heap], [vdso]) have inode 0 */
	if (procmaps_parse_id(line, len, &major, &minor, &ino) < 0 || !ino)
		return 0;
	id.dev = makedev(major, minor);
	id.ino = ino;
	if (s->has_device_keys) {
		const struct file_id *cached = cache_slot(&s->cache, id.dev, id.ino);

		if (cached->ino) {
			id = *cached;
		} else {
			int rc = identify_mapping(s, dfd, line, len, &id);

			if (rc == -ENOMEM)
				return rc;
			if (rc < 0)
				s->h->unidentified++;
		}
	} else if (!id_may_match(s, id.dev, id.ino)) {
		return 0;
	}
	for (size_t i = 0; i < s->nr_targets; i++)
		if (target_matches(&s->targets[i], &id))
			holder_add_map(&s->acc[i], line, len);
	return 0;
}

static int scan_maps(struct scan *s, int dfd)
{
	size_t have = 0;
	int fd, rc = 0;

	fd = openat(dfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		char *line, *end, *nl;
		ssize_t n;

		if (have == s->buf_size) {
			char *grown = realloc(s->buf, 2 * s->buf_size);

			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			s->buf = grown;
			s->buf_size *= 2;
		}
		n = read(fd, s->buf + have, s->buf_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		have += (size_t)n;
		/* whole lines now, the partial last one with the next read */
		line = s->buf;
		end = s->buf + have;
		while (!rc && (nl = memchr(line, '\n', (size_t)(end - line)))) {
			rc = maps_line(s, dfd, line, (size_t)(nl - line));
			line = nl + 1;
		}
		have = (size_t)(end - line);
		memmove(s->buf, line, have);
		if (rc)
			break;
	}
	close(fd);
	return rc;
}

static void match_access(struct scan *s, const struct file_id *id, unsigned int access)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		if (target_matches(&s->targets[i], id)) {
			s->acc[i].access |= access;
			if (access == DAXPIN_ACCESS_FD)
				s->acc[i].fds++;
		}
}

static int scan_fds(struct scan *s, int dfd)
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
				match_access(s, &id, DAXPIN_ACCESS_FD);
		}
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

static void scan_links(struct scan *s, int dfd)
{
	static const struct {
		const char *name;
		unsigned int access;
	} links[] = {
		{ "cwd", DAXPIN_ACCESS_CWD },
		{ "root", DAXPIN_ACCESS_ROOT },
		{ "exe", DAXPIN_ACCESS_EXE },
	};
	struct file_id id;

	/* kernel threads have no exe; denied ones were counted with the fds */
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (stat_entry(dfd, links[i].name, &id) == 0)
			match_access(s, &id, links[i].access);
}

/* Reads a small /proc file through dfd; -ENOENT once the process is gone. */
static ssize_t read_small(int dfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

static int read_status(int dfd, struct daxpin_process *p)
{
	char buf[4096], *line, *save = NULL;
	ssize_t n = read_small(dfd, "status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long kb;
		unsigned int uid, euid;

		if (strncmp(line, "Name:\t", 6) == 0)
			snprintf(p->comm, sizeof(p->comm), "%s", line + 6);
		else if (sscanf(line, "Uid: %u %u", &uid, &euid) == 2)
			p->uid = euid;
		else if (sscanf(line, "VmPin: %llu kB", &kb) == 1)
			p->vm_pinned_bytes = kb * 1024;
	}
	return 0;
}

/*
 * The cgroup v2 path ("0::/kubepods.slice/..."), which names a container
 * or a Kubernetes pod; on a v1-only system the first hierarchy's path.
 */
static int read_cgroup(int dfd, struct daxpin_process *p)
{
	char buf[4096], *line, *save = NULL, *path = NULL;
	ssize_t n = read_small(dfd, "cgroup", buf, sizeof(buf));

	if (n < 0)
		return n == -ENOENT || n == -ESRCH ? (int)n : 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
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
		return -ENOMEM;
	return 0;
}

static int holder_push(struct scan *s, size_t target, const struct daxpin_holder *acc,
		       size_t proc)
{
	struct daxpin_target_holders *th = &s->h->targets[target];
	struct daxpin_holder *holders;
	size_t *index;

	holders = realloc(th->holders, (th->nr_holders + 1) * sizeof(*holders));
	if (!holders)
		return -ENOMEM;
	th->holders = holders;
	index = realloc(s->holder_proc[target], (th->nr_holders + 1) * sizeof(*index));
	if (!index)
		return -ENOMEM;
	s->holder_proc[target] = index;
	index[th->nr_holders] = proc;
	holders[th->nr_holders++] = *acc;
	return 0;
}

/*
 * A process holds something: identify it for good. The pidfd is opened
 * first and the status read after it through the /proc/PID directory fd;
 * that read succeeding proves the process was still alive when the pidfd
 * was opened, so the pidfd is this process and not a successor on its pid.
 */
static int record_process(struct scan *s, int dfd, pid_t pid)
{
	struct daxpin_process p = { .pid = pid, .pidfd = -1 };
	struct daxpin_process *procs;
	int rc;

	p.pidfd = pidfd_open(pid, 0);
	if (p.pidfd < 0 && errno != ENOSYS)
		return 0;	/* ESRCH: gone already */
	rc = read_status(dfd, &p);
	if (!rc)
		rc = read_cgroup(dfd, &p);
	if (rc < 0) {
		if (p.pidfd >= 0)
			close(p.pidfd);
		free(p.cgroup);
		return rc == -ENOMEM ? rc : 0;
	}
	procs = realloc(s->h->procs, (s->h->nr_procs + 1) * sizeof(*procs));
	if (!procs) {
		if (p.pidfd >= 0)
			close(p.pidfd);
		free(p.cgroup);
		return -ENOMEM;
	}
	s->h->procs = procs;
	procs[s->h->nr_procs++] = p;
	for (size_t i = 0; i < s->nr_targets; i++) {
		struct daxpin_holder *acc = &s->acc[i];

		if (!acc->access)
			continue;
		if (p.vm_pinned_bytes && (acc->access & (DAXPIN_ACCESS_MAP | DAXPIN_ACCESS_FD)))
			acc->access |= DAXPIN_ACCESS_PIN;
		rc = holder_push(s, i, acc, s->h->nr_procs - 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool gone(int rc)
{
	return rc == -ENOENT || rc == -ESRCH;
}

static int scan_process(struct scan *s, int proc_fd, const char *name)
{
	pid_t pid = (pid_t)strtol(name, NULL, 10);
	bool denied = false, held = false;
	int dfd, rc;

	if (pid == getpid())
		return 0;
	dfd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	memset(s->acc, 0, s->nr_targets * sizeof(*s->acc));
	rc = scan_maps(s, dfd);
	if (rc == -ENOMEM || gone(rc))
		goto out;
	denied = rc == -EACCES || rc == -EPERM;
	rc = scan_fds(s, dfd);
	if (rc == -ENOMEM || gone(rc))
		goto out;
	denied |= rc == -EACCES || rc == -EPERM;
	scan_links(s, dfd);
	for (size_t i = 0; i < s->nr_targets; i++)
		held |= s->acc[i].access != 0;
	rc = held ? record_process(s, dfd, pid) : 0;
	if (denied) {
		dbg(s->ctx, "pid %d: maps or fds not readable\n", pid);
		s->h->unreadable++;
	}
out:
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

static int scan_proc(struct scan *s)
{
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while (!rc && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		if (past(&s->deadline)) {
			s->h->timed_out = true;
			break;
		}
		rc = scan_process(s, dirfd(dir), d->d_name);
	}
	closedir(dir);
	return rc;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct daxpin_holder *x = a, *y = b;

	return (x->proc->pid > y->proc->pid) - (x->proc->pid < y->proc->pid);
}

static int set_reason(struct scan *s)
{
	char *reason = NULL;
	int rc = 0;

	if (s->h->timed_out)
		rc = asprintf(&reason, "the scan stopped at its time limit; later processes were not examined");
	else if (s->h->unreadable)
		rc = asprintf(&reason, "%zu processes not readable (other users' or more privileged): need root or CAP_SYS_PTRACE",
			      s->h->unreadable);
	else if (s->h->unidentified)
		rc = asprintf(&reason, "%zu mappings could not be identified: need CAP_SYS_ADMIN for /proc/PID/map_files",
			      s->h->unidentified);
	if (rc < 0)
		return -ENOMEM;
	s->h->complete = !reason;
	s->h->reason = reason;
	return 0;
}

DAXPIN_EXPORT int daxpin_holders_scan(struct daxpin_ctx *ctx,
				      const struct daxpin_target *targets,
				      size_t nr_targets, unsigned int timeout_ms,
				      struct daxpin_holders **out)
{
	struct scan s = { .ctx = ctx, .targets = targets, .nr_targets = nr_targets };
	int rc = -ENOMEM;

	*out = NULL;
	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++)
			s.has_device_keys |= targets[i].keys[j].kind == DAXPIN_KEY_CHARDEV ||
					     targets[i].keys[j].kind == DAXPIN_KEY_BLOCKDEV;
	if (timeout_ms) {
		clock_gettime(CLOCK_MONOTONIC, &s.deadline);
		s.deadline.tv_sec += timeout_ms / 1000;
		s.deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (s.deadline.tv_nsec >= 1000000000) {
			s.deadline.tv_sec++;
			s.deadline.tv_nsec -= 1000000000;
		}
	}
	s.buf_size = 65536;
	s.buf = malloc(s.buf_size);
	s.h = calloc(1, sizeof(*s.h));
	s.acc = calloc(nr_targets ? nr_targets : 1, sizeof(*s.acc));
	s.holder_proc = calloc(nr_targets ? nr_targets : 1, sizeof(*s.holder_proc));
	if (!s.buf || !s.h || !s.acc || !s.holder_proc ||
	    (nr_targets && !(s.h->targets = calloc(nr_targets, sizeof(*s.h->targets)))))
		goto out;
	s.cache.size = 256;
	s.cache.slots = calloc(s.cache.size, sizeof(*s.cache.slots));
	if (!s.cache.slots)
		goto out;
	s.h->nr_targets = nr_targets;
	rc = scan_proc(&s);
	if (!rc)
		rc = set_reason(&s);
	if (!rc) {
		/* the process array is final now: point the holders at it */
		for (size_t i = 0; i < nr_targets; i++) {
			struct daxpin_target_holders *th = &s.h->targets[i];

			for (size_t j = 0; j < th->nr_holders; j++)
				th->holders[j].proc = &s.h->procs[s.holder_proc[i][j]];
			if (th->nr_holders)
				qsort(th->holders, th->nr_holders, sizeof(*th->holders), holder_cmp);
		}
		*out = s.h;
		s.h = NULL;
	}
out:
	for (size_t i = 0; i < nr_targets && s.holder_proc; i++)
		free(s.holder_proc[i]);
	free(s.holder_proc);
	free(s.acc);
	free(s.buf);
	free(s.cache.slots);
	daxpin_holders_free(s.h);
	return rc;
}

DAXPIN_EXPORT void daxpin_holders_free(struct daxpin_holders *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nr_targets; i++)
		free(h->targets[i].holders);
	for (size_t i = 0; i < h->nr_procs; i++) {
		if (h->procs[i].pidfd >= 0)
			close(h->procs[i].pidfd);
		free(h->procs[i].cgroup);
	}
	free(h->targets);
	free(h->procs);
	free(h->reason);
	free(h);
}
