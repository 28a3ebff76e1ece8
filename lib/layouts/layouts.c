// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Threads asleep in a filesystem-DAX layout break, found from /proc: the
 * sleeping ones whose wchan (or, as root, kernel stack) is one of the
 * kernel's layout-break wait functions; then the system call they are in
 * and its file, and how long they have slept.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/magic.h>

#include <daxpin/layouts.h>
#include <daxpin/targets.h>

#include "core/private.h"
#include "taskwait.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* Reads a small /proc file relative to dirfd; its length, or -errno. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1 &&
	       (n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	if (n < 0 && total == 0)
		total = -errno;
	close(fd);
	buf[total > 0 ? total : 0] = '\0';
	return total;
}

/* The state letter of /proc/PID/task/TID/stat, after the parenthesised comm. */
static char task_state(int taskfd)
{
	char buf[512], *p;

	if (read_at(taskfd, "stat", buf, sizeof(buf)) <= 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The kernel stack, parsed (see kstack_functions()); NULL when unreadable (root only). */
static char *read_stack(int taskfd, const char **wait_fn)
{
	char buf[8192];

	if (read_at(taskfd, "stack", buf, sizeof(buf)) <= 0)
		return NULL;
	return kstack_functions(buf, wait_fn);
}

/* Reads a NUL-terminated string at addr of process pid (needs ptrace access). */
static int read_user_string(pid_t pid, unsigned long addr, char *buf, size_t size)
{
	struct iovec local = { buf, size - 1 }, remote = { (void *)addr, size - 1 };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	/* a string near the end of a mapping: read up to the page end */
	if (n < 0 && errno == EFAULT) {
		remote.iov_len = local.iov_len = 4096 - (addr & 4095);
		if (remote.iov_len > size - 1)
			remote.iov_len = local.iov_len = size - 1;
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	}
	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	return memchr(buf, '\0', (size_t)n) ? 0 : -ENAMETOOLONG;
}

/* Fills the file of a waiter from something under /proc/PID. */
static void file_from_proc(struct daxpin_layout_waiter *w, int piddir,
			   const char *link, const char *rest)
{
	char path[PATH_MAX + 32], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s%s%s", link, rest ? "/" : "", rest ? rest : "");
	if (fstatat(piddir, path, &st, 0) < 0) {
		w->file_reason = errno == EACCES || errno == EPERM ?
			"its files are not readable (run as root)" :
			"the file named by the system call is gone";
		return;
	}
	w->file_known = true;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	n = readlinkat(piddir, link, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (!rest)
		w->path = strdup(target);
	else if (rest[0] == '/')
		w->path = strdup(rest);
	else if (asprintf(&w->path, "%s/%s", strcmp(target, "/") ? target : "", rest) < 0)
		w->path = NULL;
}

static void file_from_fd(struct daxpin_layout_waiter *w, int piddir, unsigned long fd)
{
	char link[32];

	snprintf(link, sizeof(link), "fd/%lu", fd);
	snprintf(w->file_source, sizeof(w->file_source), "fd %lu", fd);
	file_from_proc(w, piddir, link, NULL);
}

/*
 * A path argument, resolved as the task would: against its root, its
 * working directory or a directory fd. The name is read from its memory
 * now, so it may have changed since the call began.
 */
static void file_from_path_arg(struct daxpin_layout_waiter *w, int piddir,
			       long dirfd, unsigned long addr)
{
	char name[PATH_MAX], link[32];
	int rc = read_user_string(w->pid, addr, name, sizeof(name));

	if (rc) {
		w->file_reason = rc == -EPERM ? "its path argument is not readable (run as root)" :
						"its path argument could not be read";
		return;
	}
	snprintf(w->file_source, sizeof(w->file_source), "path argument");
	if (name[0] == '/')
		snprintf(link, sizeof(link), "root");
	else if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "cwd");
	else
		snprintf(link, sizeof(link), "fd/%ld", dirfd);
	file_from_proc(w, piddir, link, name[0] == '/' ? name + 1 : name);
	if (w->path && name[0] == '/') {
		free(w->path);
		w->path = strdup(name);
	}
}

/* The operation and file from "NR ARG1 ... ARG6 SP PC" of /proc/.../syscall. */
static void operation_from_syscall(struct daxpin_layout_waiter *w, int piddir,
				   int taskfd, bool evicting)
{
	unsigned long a[6] = { 0 };
	char buf[256];
	const char *op = NULL;
	long nr;

	w->syscall_nr = -2;
	if (read_at(taskfd, "syscall", buf, sizeof(buf)) <= 0 || syscall_parse(buf, &nr, a) < 0) {
		snprintf(w->operation, sizeof(w->operation), "unknown");
		w->file_reason = "its system call is not readable (run as root)";
		return;
	}
	w->syscall_nr = nr;
	switch (nr) {
	case -1:
		op = "kernel thread";
		break;
	case SYS_ftruncate:
		op = "ftruncate";
		file_from_fd(w, piddir, a[0]);
		break;
	case SYS_fallocate:
		op = fallocate_mode(a[1]);
		file_from_fd(w, piddir, a[0]);
		break;
	case SYS_ioctl:
		op = ioctl_name(a[1]);
		file_from_fd(w, piddir, a[0]);
		break;
	case SYS_copy_file_range:
		op = "copy_file_range";
		file_from_fd(w, piddir, a[2]);
		break;
	case SYS_truncate:
		op = "truncate";
		file_from_path_arg(w, piddir, AT_FDCWD, a[0]);
		break;
	case SYS_open:
	case SYS_creat:
		op = "open O_TRUNC";
		file_from_path_arg(w, piddir, AT_FDCWD, a[0]);
		break;
	case SYS_openat:
	case SYS_openat2:
		op = "open O_TRUNC";
		file_from_path_arg(w, piddir, (int)a[0], a[1]);
		break;
	case SYS_umount2:
		op = "umount";
		break;
	case SYS_unlink:
	case SYS_unlinkat:
		op = "unlink";
		break;
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
		op = "rename";
		break;
	case SYS_close:
		op = "close";
		break;
	case SYS_exit:
	case SYS_exit_group:
		op = "exit";
		break;
	}
	if (op && !evicting)
		snprintf(w->operation, sizeof(w->operation), "%s", op);
	else if (op)
		snprintf(w->operation, sizeof(w->operation), "%s (inode eviction)", op);
	else
		snprintf(w->operation, sizeof(w->operation), "%ssyscall %ld",
			 evicting ? "inode eviction in " : "", nr);
	if (!w->file_known && !w->file_reason)
		w->file_reason = evicting ?
			"the inode being evicted has no name /proc can show" :
			"this system call names no file /proc can show";
}

static int64_t exec_start_ns(int dirfd, const char *name)
{
	char buf[4096];

	if (read_at(dirfd, name, buf, sizeof(buf)) <= 0)
		return -1;
	return sched_exec_start_ns(buf);
}

static void waited(struct daxpin_layout_waiter *w, int taskfd)
{
	int64_t then = exec_start_ns(taskfd, "sched");
	int64_t now = exec_start_ns(AT_FDCWD, "/proc/thread-self/sched");

	w->waited_ns = then >= 0 && now >= then ? now - then : -1;
}

static bool file_matches(const struct daxpin_layout_waiter *w,
			 const struct daxpin_target *targets, size_t nr_targets)
{
	if (!targets || !w->file_known)
		return true;
	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++) {
			const struct daxpin_key *k = &targets[i].keys[j];

			if ((k->kind == DAXPIN_KEY_FILESYSTEM && k->dev == w->dev) ||
			    (k->kind == DAXPIN_KEY_FILE && k->dev == w->dev && k->ino == w->ino))
				return true;
		}
	return false;
}

struct scan {
	struct daxpin_ctx *ctx;
	const struct daxpin_target *targets;
	size_t nr_targets;
	struct daxpin_layouts *l;
	size_t cap;
};

static int examine_task(struct scan *s, int piddir, pid_t pid, pid_t tid, int taskfd)
{
	struct daxpin_layout_waiter w = { .pid = pid, .tid = tid, .waited_ns = -1 };
	const char *wchan_fn = NULL, *stack_fn = NULL;
	char wchan[128];
	bool wchan_known;
	ssize_t n;

	w.state = task_state(taskfd);
	if (w.state != 'S' && w.state != 'D')
		return 0;
	/* a sleeping thread's wchan reads "0" when ptrace access is denied */
	n = read_at(taskfd, "wchan", wchan, sizeof(wchan));
	wchan_known = n > 0 && strcmp(wchan, "0") != 0;
	if (wchan_known) {
		wchan_fn = layout_wait_function(wchan, strlen(wchan));
		if (!wchan_fn)
			return 0;
	}
	/* the stack, where readable, names the function more exactly */
	w.stack = read_stack(taskfd, &stack_fn);
	if (!wchan_known && !w.stack) {
		s->l->complete = false;
		s->l->reason = "other users' sleeping threads are not readable (run as root)";
		return 0;
	}
	w.wait_fn = stack_fn ? stack_fn : wchan_fn;
	w.wait_source = stack_fn ? "stack" : "wchan";
	if (!w.wait_fn) {
		free(w.stack);
		return 0;
	}
	if (read_at(taskfd, "comm", w.comm, sizeof(w.comm)) > 0)
		w.comm[strcspn(w.comm, "\n")] = '\0';
	operation_from_syscall(&w, piddir, taskfd,
			       strcmp(w.wait_fn, "dax_break_layout_final") == 0 ||
			       strcmp(w.wait_fn, "wait_page_idle_uninterruptible") == 0);
	waited(&w, taskfd);
	if (!file_matches(&w, s->targets, s->nr_targets)) {
		free(w.stack);
		free(w.path);
		return 0;
	}
	if (array_grow((void **)&s->l->waiters, &s->cap, s->l->nr_waiters + 1,
		       sizeof(*s->l->waiters))) {
		free(w.stack);
		free(w.path);
		return -ENOMEM;
	}
	s->l->waiters[s->l->nr_waiters++] = w;
	return 0;
}

static int examine_process(struct scan *s, pid_t pid)
{
	char name[32];
	struct dirent *de;
	int piddir, tasks, rc = 0;
	DIR *d;

	snprintf(name, sizeof(name), "/proc/%d", (int)pid);
	piddir = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;
	tasks = openat(piddir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = tasks >= 0 ? fdopendir(tasks) : NULL;
	if (!d) {
		if (tasks >= 0)
			close(tasks);
		close(piddir);
		return 0;
	}
	while (!rc && (de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		int taskfd;

		if (tid <= 0)
			continue;
		taskfd = openat(tasks, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (taskfd < 0)
			continue;
		rc = examine_task(s, piddir, pid, tid, taskfd);
		close(taskfd);
	}
	closedir(d);
	close(piddir);
	return rc;
}

static int waiter_cmp(const void *a, const void *b)
{
	const struct daxpin_layout_waiter *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

DAXPIN_EXPORT int daxpin_layouts_scan(struct daxpin_ctx *ctx,
				      const struct daxpin_target *targets,
				      size_t nr_targets, struct daxpin_layouts **out)
{
	struct scan s = { .ctx = ctx, .targets = targets, .nr_targets = nr_targets };
	struct dirent *de;
	DIR *proc;
	int rc = 0;

	*out = NULL;
	s.l = calloc(1, sizeof(*s.l));
	if (!s.l)
		return -ENOMEM;
	s.l->complete = true;
	proc = opendir("/proc");
	if (!proc) {
		rc = -errno;
		free(s.l);
		return rc;
	}
	while (!rc && (de = readdir(proc))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid > 0)
			rc = examine_process(&s, pid);
	}
	closedir(proc);
	if (rc) {
		daxpin_layouts_free(s.l);
		return rc;
	}
	if (s.l->nr_waiters)
		qsort(s.l->waiters, s.l->nr_waiters, sizeof(*s.l->waiters), waiter_cmp);
	*out = s.l;
	return 0;
}

DAXPIN_EXPORT void daxpin_layouts_free(struct daxpin_layouts *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nr_waiters; i++) {
		free(l->waiters[i].stack);
		free(l->waiters[i].path);
	}
	free(l->waiters);
	free(l);
}

DAXPIN_EXPORT int daxpin_break_layouts_supported(int fd, const char **why)
{
	struct statx stx;
	struct statfs sf;

	*why = NULL;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0 || fstatfs(fd, &sf) < 0)
		return -errno;
	if (!S_ISREG(stx.stx_mode))
		*why = "not a regular file";
	else if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		*why = "this kernel does not report DAX files (statx STATX_ATTR_DAX)";
	else if (!(stx.stx_attributes & STATX_ATTR_DAX))
		*why = "not a DAX file (statx STATX_ATTR_DAX is clear: mount with -o dax=always, or set FS_XFLAG_DAX with dax=inode)";
	/* both break the layouts of the whole file on an ATTR_SIZE setattr,
	 * also one that keeps the size; FUSE before 6.15 only page 0 */
	else if (sf.f_type != XFS_SUPER_MAGIC && sf.f_type != EXT4_SUPER_MAGIC)
		*why = "not on XFS or ext4, where a same-size truncate breaks the layouts of the whole file";
	return *why ? -ENOTSUP : 0;
}
