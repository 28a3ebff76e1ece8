// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Restoring fences whose drain is gone. A drain killed inside its fence
 * (SIGKILL, the OOM killer, a timeout of the tool that ran it) leaves the
 * node of a device-dax device at /dev/.daxpin-fenced-NAME and none at
 * /dev/NAME: nothing, libdaxctl included, finds the device by its name.
 * A fence stands only while its drain holds the drain lock of NAME
 * (drainlock.h), which the kernel drops when the drain dies: a fenced node
 * whose lock can be taken has no owner. It is moved back under that lock,
 * so that no new drain fences the device meanwhile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <daxpin/drain.h>

#include "drainlock.h"
#include "fence.h"
#include "core/private.h"

#define FENCED_PREFIX ".daxpin-fenced-"

/* Moves /dev/.daxpin-fenced-NAME back, or removes it if its device is gone. */
static int restore(const char *name, const char *hidden)
{
	char path[PATH_MAX], sys[64];
	struct stat st;

	if (lstat(hidden, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/%s", name);
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	/* a node of a device that was removed meanwhile would be stale at its name */
	if (access(sys, F_OK) < 0)
		return unlink(hidden) < 0 ? -errno : 0;
	return fence_node_restore(hidden, path);
}

static int repair_one(struct daxpin_ctx *ctx, const char *name,
		      daxpin_fence_repair_fn fn, void *arg)
{
	struct daxpin_fence_repair r = { .name = name, .owner = drain_lock_owner(name) };
	char hidden[PATH_MAX];
	pid_t holder;
	int fd;

	snprintf(hidden, sizeof(hidden), "/dev/" FENCED_PREFIX "%s", name);
	fd = drain_lock(name, 0, &holder);
	/* its drain is alive: the fence is in use */
	if (fd == -EWOULDBLOCK || ((fd == -EACCES || fd == -EPERM) && drain_lock_held(name)))
		return 0;
	r.error = fd < 0 ? fd : restore(name, hidden);
	drain_unlock(fd);
	dbg(ctx, "%s: fenced by pid %d, restored: %s\n", name, (int)r.owner,
	    strerror(-r.error));
	if (fn)
		fn(&r, arg);
	return r.error ? 0 : 1;
}

DAXPIN_EXPORT int daxpin_fences_repair(struct daxpin_ctx *ctx, daxpin_fence_repair_fn fn,
				       void *arg)
{
	DIR *dir = opendir("/dev");
	struct dirent *de;
	int restored = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (strncmp(de->d_name, FENCED_PREFIX, strlen(FENCED_PREFIX)) == 0 &&
		    de->d_name[strlen(FENCED_PREFIX)])
			restored += repair_one(ctx, de->d_name + strlen(FENCED_PREFIX), fn, arg);
	closedir(dir);
	return restored;
}
