// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A forced layout break: a same-size truncate in a child process. The
 * child may sleep until a reference is dropped, perhaps never; a child can
 * be killed (the wait is interruptible) without leaving this process stuck,
 * and while it waits this process can look at who holds what. The child
 * dies with this process: a break killed with SIGKILL leaves no truncate
 * waiting behind it, holding the file's inode lock against every other
 * truncate, write or break of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/filepages.h>
#include <daxpin/layouts.h>
#include <daxpin/targets.h>

#include "core/private.h"

/* how often a wait looks at the stop flag */
#define POLL_MS 50
/* how long a killed truncate may take to go */
#define KILL_WAIT_MS 2000

static const char cap_xattr[] = "security.capability";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The child: truncate to the size the file has now; exits with the errno.
 * Killed when PARENT goes, even if it went before the death signal was set.
 */
static void __attribute__((noreturn)) truncate_same_size(int fd, pid_t parent)
{
	struct stat st;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(ESRCH);
	if (fstat(fd, &st) < 0 || ftruncate(fd, st.st_size) < 0)
		_exit(errno & 0xff);
	_exit(0);
}

/* Waits for the child to end, the timeout or the stop flag; 1 when it ended. */
static int wait_child(int pidfd, uint64_t deadline, const volatile int *stop)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	for (;;) {
		int ms = POLL_MS, rc;

		if (stop && *stop)
			return 0;
		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline)
				return 0;
			if ((deadline - now) / 1000000 < (uint64_t)ms)
				ms = (int)((deadline - now) / 1000000) + 1;
		}
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

/* The threads waiting in a layout break of the file. */
static void file_waiters(struct daxpin_ctx *ctx, const struct stat *st,
			 struct daxpin_layouts **out)
{
	struct daxpin_target t = { 0 };

	*out = NULL;
	if (daxpin_target_add_key(&t, DAXPIN_KEY_FILE, st->st_dev, st->st_ino) == 0 &&
	    daxpin_layouts_scan(ctx, &t, 1, out) < 0)
		*out = NULL;
	daxpin_target_clear(&t);
}

/*
 * Puts back what a truncate changes besides ctime: atime and mtime always;
 * the set-ID bits and file capabilities when they went.
 */
static void restore(int fd, const struct stat *before, const void *cap, ssize_t cap_len,
		    struct daxpin_break *res)
{
	const struct timespec times[2] = { before->st_atim, before->st_mtim };
	struct stat after;

	res->times_restored = futimens(fd, times) == 0;
	if (fstat(fd, &after) < 0)
		return;
	if ((after.st_mode & 07777) != (before->st_mode & 07777))
		res->privs_restored = fchmod(fd, before->st_mode & 07777) == 0;
	if (cap_len > 0 && fgetxattr(fd, cap_xattr, NULL, 0) < 0)
		res->privs_restored = fsetxattr(fd, cap_xattr, cap, (size_t)cap_len, 0) == 0;
}

DAXPIN_EXPORT int daxpin_break_layouts(struct daxpin_ctx *ctx, int fd,
				       unsigned int timeout_ms, const volatile int *stop,
				       struct daxpin_pagestate *ps, struct daxpin_break *res)
{
	struct daxpin_pfn_range *ranges = NULL;
	size_t nr_ranges = 0;
	char cap[1024];
	ssize_t cap_len;
	uint64_t start, deadline = 0;
	struct stat st;
	int pidfd, status, ended;
	pid_t child, self = getpid();

	memset(res, 0, sizeof(*res));
	res->pages_reason = ps ? daxpin_pagestate_reason(ps) : "page state not requested";
	if (fstat(fd, &st) < 0)
		return -errno;
	res->size = (uint64_t)st.st_size;
	/* another break of the file holds its inode lock: ours would queue
	 * behind it uninterruptibly, and so would reading its extents */
	file_waiters(ctx, &st, &res->waiters);
	if (res->waiters && res->waiters->nr_waiters)
		return -EBUSY;
	daxpin_layouts_free(res->waiters);
	res->waiters = NULL;
	/* the extents now: while the truncate waits FIEMAP would wait too */
	if (ps && !daxpin_pagestate_reason(ps) && daxpin_file_pfns(ctx, fd, &ranges, &nr_ranges) < 0)
		res->pages_reason = "the file is not on an fsdax namespace";
	cap_len = fgetxattr(fd, cap_xattr, cap, sizeof(cap));
	start = now_ns();
	if (timeout_ms)
		deadline = start + (uint64_t)timeout_ms * 1000000ULL;
	child = fork();
	if (child < 0) {
		free(ranges);
		return -errno;
	}
	if (child == 0)
		truncate_same_size(fd, self);
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0) {
		int rc = -errno;

		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		free(ranges);
		return rc;
	}
	ended = wait_child(pidfd, deadline, stop);
	if (ended <= 0) {
		res->timed_out = !(stop && *stop);
		res->interrupted = !res->timed_out;
		info(ctx, "truncate %d still waiting after %llu ms: killing it\n", (int)child,
		     (unsigned long long)((now_ns() - start) / 1000000));
		file_waiters(ctx, &st, &res->waiters);
		if (ranges)
			res->pages_known = daxpin_pagestate_scan(ps, ranges, nr_ranges,
								 DAXPIN_PAGE_FSDAX, &res->pages) == 0;
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		/* killed, unless it sleeps uninterruptibly: behind another
		 * truncate's inode lock, say; then it is left to finish */
		if (wait_child(pidfd, now_ns() + KILL_WAIT_MS * 1000000ULL, NULL) <= 0) {
			res->left_running = child;
			res->elapsed_ns = now_ns() - start;
			close(pidfd);
			free(ranges);
			return 0;
		}
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	res->elapsed_ns = now_ns() - start;
	close(pidfd);
	/* a truncate that ended just as it was killed counts as done */
	if (WIFEXITED(status)) {
		res->error = WEXITSTATUS(status);
		res->broken = res->error == 0;
	}
	if (res->broken) {
		res->timed_out = res->interrupted = false;
		restore(fd, &st, cap, cap_len, res);
		if (ranges)
			res->pages_known = daxpin_pagestate_scan(ps, ranges, nr_ranges,
								 DAXPIN_PAGE_FSDAX, &res->pages) == 0;
	}
	free(ranges);
	return 0;
}

DAXPIN_EXPORT void daxpin_break_free(struct daxpin_break *res)
{
	daxpin_layouts_free(res->waiters);
	res->waiters = NULL;
}
