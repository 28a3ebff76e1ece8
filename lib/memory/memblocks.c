// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The memory blocks of a system-RAM dax device, read from
 * /sys/devices/system/memory as lsmem reads them (libdaxctl counts a
 * device's blocks but does not show them one by one, nor offline one with
 * a bound), and their state changes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <daxpin/memory.h>

#include "core/private.h"

#define MEMORY_DIR "/sys/devices/system/memory"

/* The first line of a sysfs attribute, without its newline. */
static int read_attr(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_block_attr(unsigned long id, const char *attr, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu/%s", id, attr);
	return read_attr(path, buf, size);
}

static enum daxpin_zone zone_of(const char *valid_zones)
{
	if (!strcmp(valid_zones, "Movable"))
		return DAXPIN_ZONE_MOVABLE;
	if (!strcmp(valid_zones, "Normal"))
		return DAXPIN_ZONE_NORMAL;
	return DAXPIN_ZONE_OTHER;
}

static int node_of(unsigned long id)
{
	char path[128];
	struct dirent *e;
	int node = -1;
	DIR *dir;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu", id);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		if (sscanf(e->d_name, "node%d", &node) == 1)
			break;
	closedir(dir);
	return node;
}

/* Reads what may change of b: state, zone, valid zones. */
static int block_refresh(struct daxpin_memblock *b)
{
	char buf[64];
	int rc;

	rc = read_block_attr(b->id, "state", buf, sizeof(buf));
	if (rc)
		return rc;
	b->state = !strcmp(buf, "online") ? DAXPIN_MEMBLOCK_ONLINE :
		   !strcmp(buf, "offline") ? DAXPIN_MEMBLOCK_OFFLINE :
		   !strcmp(buf, "going-offline") ? DAXPIN_MEMBLOCK_GOING_OFFLINE :
		   DAXPIN_MEMBLOCK_UNKNOWN;
	rc = read_block_attr(b->id, "valid_zones", buf, sizeof(buf));
	if (rc)
		return rc;
	free(b->valid_zones);
	b->valid_zones = strdup(buf);
	if (!b->valid_zones)
		return -ENOMEM;
	b->zone = b->state == DAXPIN_MEMBLOCK_ONLINE ? zone_of(buf) : DAXPIN_ZONE_NONE;
	return 0;
}

static int block_add(struct daxpin_memory *m, size_t *cap, unsigned long id)
{
	struct daxpin_memblock *b;
	char buf[32];
	int rc;

	rc = array_grow((void **)&m->blocks, cap, m->nr_blocks + 1, sizeof(*m->blocks));
	if (rc)
		return rc;
	b = &m->blocks[m->nr_blocks];
	*b = (struct daxpin_memblock){ .id = id, .start = id * m->block_size,
				       .size = m->block_size };
	rc = block_refresh(b);
	if (rc) {
		free(b->valid_zones);
		return rc;
	}
	b->removable = read_block_attr(id, "removable", buf, sizeof(buf)) == 0 && buf[0] == '1';
	b->node = node_of(id);
	m->nr_blocks++;
	return 0;
}

DAXPIN_EXPORT int daxpin_memory_read(struct daxpin_ctx *ctx, const struct daxpin_daxdev *dev,
				     struct daxpin_memory **out)
{
	struct daxpin_memory *m;
	char buf[32];
	size_t cap = 0;
	int rc;

	*out = NULL;
	if (dev->driver != DAXPIN_DRIVER_KMEM)
		return -EINVAL;
	if (!dev->ranges_known)
		return -EPERM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	rc = read_attr(MEMORY_DIR "/block_size_bytes", buf, sizeof(buf));
	if (!rc) {
		m->block_size = strtoull(buf, NULL, 16);
		rc = m->block_size ? 0 : -EIO;
	}
	if (!rc && read_attr(MEMORY_DIR "/auto_online_blocks", m->auto_online,
			     sizeof(m->auto_online)))
		m->auto_online[0] = '\0';
	/*
	 * kmem adds each range of the device trimmed to whole blocks
	 * (dax_kmem_range()): the blocks wholly inside a mapping are its
	 */
	for (size_t i = 0; !rc && i < dev->nr_mappings; i++) {
		uint64_t first = (dev->mappings[i].start + m->block_size - 1) / m->block_size;
		uint64_t end = (dev->mappings[i].end + 1) / m->block_size;

		for (uint64_t id = first; !rc && id < end; id++) {
			rc = block_add(m, &cap, (unsigned long)id);
			if (rc == -ENOENT)	/* never added: kmem skips a busy range */
				rc = 0;
		}
	}
	if (rc) {
		err(ctx, "reading the memory blocks of %s: %s\n", dev->dev, strerror(-rc));
		daxpin_memory_free(m);
		return rc;
	}
	m->pages_reason = "pages not scanned";
	*out = m;
	return 0;
}

DAXPIN_EXPORT void daxpin_memory_free(struct daxpin_memory *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr_blocks; i++)
		free(m->blocks[i].valid_zones);
	free(m->blocks);
	free(m);
}

DAXPIN_EXPORT size_t daxpin_memory_online(const struct daxpin_memory *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nr_blocks; i++)
		n += m->blocks[i].state != DAXPIN_MEMBLOCK_OFFLINE;
	return n;
}

DAXPIN_EXPORT bool daxpin_memory_movable(const struct daxpin_memory *m)
{
	size_t online = 0;

	for (size_t i = 0; i < m->nr_blocks; i++) {
		if (m->blocks[i].state != DAXPIN_MEMBLOCK_ONLINE)
			continue;
		online++;
		if (m->blocks[i].zone != DAXPIN_ZONE_MOVABLE)
			return false;
	}
	return online > 0;
}

DAXPIN_EXPORT bool daxpin_memblock_exists(unsigned long id)
{
	char path[96];

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu", id);
	return access(path, F_OK) == 0;
}

DAXPIN_EXPORT const char *daxpin_memblock_online_state(enum daxpin_zone zone)
{
	return zone == DAXPIN_ZONE_MOVABLE ? "online_movable" : "online_kernel";
}

DAXPIN_EXPORT const char *daxpin_memblock_state_name(enum daxpin_memblock_state s)
{
	static const char *const names[] = {
		[DAXPIN_MEMBLOCK_ONLINE] = "online",
		[DAXPIN_MEMBLOCK_OFFLINE] = "offline",
		[DAXPIN_MEMBLOCK_GOING_OFFLINE] = "going-offline",
		[DAXPIN_MEMBLOCK_UNKNOWN] = "unknown",
	};

	return s <= DAXPIN_MEMBLOCK_UNKNOWN ? names[s] : "unknown";
}

DAXPIN_EXPORT const char *daxpin_zone_name(enum daxpin_zone z)
{
	static const char *const names[] = {
		[DAXPIN_ZONE_NONE] = NULL,
		[DAXPIN_ZONE_MOVABLE] = "Movable",
		[DAXPIN_ZONE_NORMAL] = "Normal",
		[DAXPIN_ZONE_OTHER] = "other",
	};

	return z <= DAXPIN_ZONE_OTHER ? names[z] : NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The write itself, in the child: its exit status is the errno (0: done). */
static void write_state(unsigned long id, const char *state, pid_t parent)
{
	char path[128];
	int fd;

	/* the kernel retries an offline until its writer gets a signal: this
	 * one must not outlive a caller killed meanwhile */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(ECANCELED);
	snprintf(path, sizeof(path), MEMORY_DIR "/memory%lu/state", id);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(errno);
	if (write(fd, state, strlen(state)) < 0)
		_exit(errno);
	_exit(0);
}

#define POLL_SLICE_MS 20

DAXPIN_EXPORT int daxpin_memblock_set_state(struct daxpin_ctx *ctx, struct daxpin_memblock *b,
					    const char *state, unsigned int timeout_ms,
					    bool (*cancelled)(void *arg), void *arg)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int status, pidfd, rc = 0;
	pid_t parent = getpid(), child;

	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0)
		write_state(b->id, state, parent);
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		pid_t done;

		/* without a pidfd (before 5.3) the slice is a plain wait */
		if (poll(&p, pidfd >= 0 ? 1 : 0, POLL_SLICE_MS) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		done = waitpid(child, &status, WNOHANG);
		if (done == child) {
			rc = WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO;
			child = 0;
			break;
		}
		if (cancelled && cancelled(arg)) {
			rc = -EINTR;
			break;
		}
		if (now_ms() >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	if (child) {
		/* a signal is what makes the kernel give up (offline_pages()
		 * backs off on signal_pending() and puts the block back) */
		kill(child, SIGKILL);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (pidfd >= 0)
		close(pidfd);
	dbg(ctx, "memory%lu: %s: %s\n", b->id, state, rc ? strerror(-rc) : "done");
	if (block_refresh(b) && !rc)
		rc = -EIO;
	return rc;
}
