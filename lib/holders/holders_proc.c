// SPDX-License-Identifier: LGPL-2.1-or-later
/* The /proc scan: workers, two per core, each taking processes in turn. */
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
#include <libmount.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "procmaps.h"
#include "procstatus.h"
#include "holders_internal.h"

void holders_match_access(struct worker *w, const struct file_id *id, unsigned int access)
{
	for (size_t i = 0; i < w->s->nr_targets; i++)
		if (holders_target_matches(&w->s->targets[i], id)) {
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
			if (d->d_name[0] != '.' && holders_stat_fd(w, dfd, fd, d->d_name, &id) == 0)
				holders_match_access(w, &id, DAXPIN_ACCESS_FD);
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
		    holders_stat_entry(dfd, proc_links[i].name, &id) == 0)
			holders_match_access(w, &id, proc_links[i].access);
}

/*
 * cwd and root are directories, exe a regular file: a scan for devices or
 * for regular files need not look at the links that cannot match.
 */
unsigned int holders_links_that_can_match(const struct daxpin_target *targets,
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
 * once the process is gone. Only for files of one record (status, cgroup):
 * procfs makes such a file whole and hands out all that fits, so a read
 * that leaves room was the last, and the empty read that would say so is
 * saved (two syscalls less per holder).
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
		if (len + 1 < cap)
			break;
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
int holders_read_cgroup(int dfd, struct daxpin_process *p)
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

void holders_process_release(struct daxpin_process *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->cgroup);
}

/* Files p, a process holding something, with its findings in w->acc. */
int holders_push_process(struct worker *w, struct daxpin_process *p)
{
	size_t nr_held = 0;

	for (size_t i = 0; i < w->s->nr_targets; i++)
		nr_held += w->acc[i].access != 0;
	if (array_grow((void **)&w->procs, &w->procs_cap, w->nr_procs + 1, sizeof(*w->procs)) < 0 ||
	    array_grow((void **)&w->held, &w->held_cap, w->nr_held + nr_held, sizeof(*w->held)) < 0) {
		holders_process_release(p);
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
int holders_pidfd(const struct scan *s, pid_t pid)
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
	int pidfd = holders_pidfd(w->s, pid);
	struct daxpin_process p = { .pid = pid, .pidfd = pidfd >= 0 ? pidfd : -1 };
	int rc;

	if (pidfd == -ESRCH)
		return pidfd;
	rc = read_status(dfd, &p);
	if (!rc)
		rc = holders_read_cgroup(dfd, &p);
	if (rc < 0) {
		holders_process_release(&p);
		return rc;
	}
	if (pidfd < 0 && pidfd != -ENOSYS)
		w->without_pidfd++;
	return holders_push_process(w, &p);
}

bool holders_any_access(const struct worker *w)
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
	rc = holders_scan_maps(w, dfd);
	unreadable = denied(rc);
	if (!rc || unreadable) {
		rc = scan_fds(w, dfd);
		unreadable |= denied(rc);
	}
	if (!rc || denied(rc)) {
		scan_links(w, dfd);
		rc = holders_any_access(w) ? record_process(w, dfd, pid) : 0;
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

	while (!w->rc) {
		size_t i = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);

		if (i >= s->nr_pids)
			break;
		if (past(&s->deadline)) {
			__atomic_store_n(&s->timed_out, true, __ATOMIC_RELAXED);
			break;
		}
		if (s->pids[i] != s->self)
			w->rc = scan_process(w, s->proc_fd, s->pids[i]);
	}
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

int holders_worker_init(struct worker *w, struct scan *s)
{
	w->s = s;
	w->buf_size = 65536;
	w->buf = malloc(w->buf_size);
	w->acc = calloc(s->nr_targets ? s->nr_targets : 1, sizeof(*w->acc));
	w->cache.size = 256;
	w->cache.slots = calloc(w->cache.size, sizeof(*w->cache.slots));
	return w->buf && w->acc && w->cache.slots ? 0 : -ENOMEM;
}

void holders_worker_release(struct worker *w)
{
	for (size_t i = 0; i < w->nr_procs; i++)
		holders_process_release(&w->procs[i]);
	free(w->procs);
	free(w->held);
	free(w->buf);
	free(w->acc);
	free(w->cache.slots);
}

/*
 * /proc is read by the kernel for the reading thread, so the scan scales
 * with the cores; and a worker waits whenever the status of an open file
 * comes from a filesystem's server (9p, which ignores AT_STATX_DONT_SYNC,
 * asks it at every stat). Two workers per core keep the cores
 * busy meanwhile (300 openers and 30 python mappers on 2 CPUs with a 9p
 * root: 0.555 s with one worker, 0.473 s with two, 0.398 s with four): at
 * most 8, and one per 128 processes, so that none is idle on a small
 * system.
 */
static size_t nr_workers(size_t nr_pids)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 0 ? 2 * (size_t)cpus : 1;

	if (n > 8)
		n = 8;
	if (n > nr_pids / 128 + 1)
		n = nr_pids / 128 + 1;
	return n;
}

void holders_deadline_set(struct timespec *deadline, unsigned int timeout_ms)
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
bool holders_in_initial_pid_ns(void)
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
static bool hides_processes(struct libmnt_fs *fs)
{
	const char *opts = mnt_fs_get_fs_options(fs);
	char *hidepid, *gid;
	size_t len, gid_len;
	bool hides;

	if (!mnt_fs_streq_target(fs, "/proc") ||
	    !mnt_fs_match_fstype(fs, "proc") || !opts ||
	    mnt_optstr_get_option(opts, "hidepid", &hidepid, &len) || !hidepid)
		return false;
	hides = (len == 1 && (*hidepid == '2' || *hidepid == '4')) ||
		(len == 9 && !strncmp(hidepid, "invisible", 9)) ||
		(len == 10 && !strncmp(hidepid, "ptraceable", 10));
	if (hides && !mnt_optstr_get_option(opts, "gid", &gid, &gid_len) && gid &&
	    in_group((gid_t)strtoul(gid, NULL, 10)))
		hides = false;
	return hides;
}

/* Our mount table: whether /proc hides processes, which mounts are netfs. */
static int read_mounts(struct scan *s, struct daxpin_holders *h)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	bool root = geteuid() == 0;
	size_t cap = 0;
	int rc = 0;

	while (tb && it && !rc && mnt_table_next_fs(tb, it, &fs) == 0) {
		h->hidden |= !root && hides_processes(fs);
		if (!mnt_fs_is_netfs(fs))
			continue;
		rc = array_grow((void **)&s->netfs_devs, &cap, s->nr_netfs_devs + 1,
				sizeof(*s->netfs_devs));
		if (!rc)
			s->netfs_devs[s->nr_netfs_devs++] = mnt_fs_get_devno(fs);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return rc;
}

/* The /proc scan: workers, two per core, each taking processes in turn. */
int holders_scan_proc(struct scan *s, struct daxpin_holders *h)
{
	struct worker *w = NULL;
	size_t nr_w = 0, started = 0, netfs_hits = 0;
	int rc;

	s->proc_fd = -1;
	h->pid_namespace = !holders_in_initial_pid_ns();
	rc = read_mounts(s, h);
	if (rc < 0)
		goto out;
	s->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0) {
		rc = -errno;
		goto out;
	}
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
		rc = holders_worker_init(&w[i], s);
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
		rc = holders_merge(h, w, nr_w);
out:
	for (size_t i = 0; i < nr_w; i++) {
		netfs_hits += w[i].netfs_hits;
		holders_worker_release(&w[i]);
	}
	if (netfs_hits)
		dbg(s->ctx, "%zu open files on network file systems identified by fdinfo, not stat\n",
		    netfs_hits);
	free(w);
	free(s->netfs_devs);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	return rc;
}
