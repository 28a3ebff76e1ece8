// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drainlock.h"

#define LOCK_RETRY_MS 5

static pid_t lock_owner(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/* Takes the lock, trying again every LOCK_RETRY_MS for up to wait_ms. */
static int lock_within(int fd, unsigned int wait_ms)
{
	const struct timespec retry = { .tv_nsec = LOCK_RETRY_MS * 1000000L };

	for (unsigned int waited = 0;; waited += LOCK_RETRY_MS) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK || waited >= wait_ms)
			return -errno;
		nanosleep(&retry, NULL);
	}
}

int drain_lock(const char *name, unsigned int wait_ms, pid_t *holder)
{
	char path[PATH_MAX], pid[32];
	int fd, len, rc;

	*holder = 0;
	if (mkdir(DAXPIN_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), DAXPIN_RUN_DIR "/drain-%s.lock", name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	rc = lock_within(fd, wait_ms);
	if (rc < 0) {
		/* the owner writes its pid right after locking: a moment's gap */
		if (rc == -EWOULDBLOCK)
			*holder = lock_owner(fd);
		close(fd);
		return rc;
	}
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* name's lock file, read-only, for a look that takes no lock; -1 if none */
static int lock_open_ro(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DAXPIN_RUN_DIR "/drain-%s.lock", name);
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

pid_t drain_lock_owner(const char *name)
{
	int fd = lock_open_ro(name);
	pid_t pid;

	if (fd < 0)
		return 0;
	pid = lock_owner(fd);
	close(fd);
	return pid;
}

bool drain_lock_held(const char *name)
{
	int fd = lock_open_ro(name);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

void drain_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
