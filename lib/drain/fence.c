// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fence.h"

void fence_init(struct fence *f)
{
	memset(f, 0, sizeof(*f));
	f->bdev_fd = -1;
}

static void fence_forget(struct fence *f)
{
	free(f->path);
	free(f->hidden);
	f->path = NULL;
	f->hidden = NULL;
}

int fence_chardev(struct fence *f, const char *name, unsigned int major,
		  unsigned int minor)
{
	struct stat st;
	int rc = 0;

	if (asprintf(&f->path, "/dev/%s", name) < 0) {
		f->path = NULL;
		return -ENOMEM;
	}
	if (asprintf(&f->hidden, "/dev/.daxpin-fenced-%s", name) < 0) {
		f->hidden = NULL;
		fence_forget(f);
		return -ENOMEM;
	}
	if (lstat(f->path, &st) < 0)
		rc = errno == ENOENT ? 1 : -errno;
	else if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(major, minor))
		rc = 1;
	else if (renameat2(AT_FDCWD, f->path, AT_FDCWD, f->hidden, RENAME_NOREPLACE) < 0)
		rc = -errno;
	/*
	 * The caller holds the drain lock: a fenced node there is a dead
	 * drain's, a second node of the device now at its name
	 */
	if (rc == -EEXIST && unlink(f->hidden) == 0)
		rc = renameat2(AT_FDCWD, f->path, AT_FDCWD, f->hidden, RENAME_NOREPLACE) < 0 ?
			     -errno : 0;
	/* 1: no node of this device, nothing to move */
	if (rc)
		fence_forget(f);
	return rc < 0 ? rc : 0;
}

int fence_blockdev(struct fence *f, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/%s", name);
	f->bdev_fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	/* no node: nothing can open it either */
	if (f->bdev_fd < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void fence_release_blockdev(struct fence *f)
{
	if (f->bdev_fd >= 0)
		close(f->bdev_fd);
	f->bdev_fd = -1;
}

int fence_node_restore(const char *hidden, const char *path)
{
	if (renameat2(AT_FDCWD, hidden, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	/* udev or devtmpfs made a node meanwhile: that one stands */
	if (errno == EEXIST && unlink(hidden) == 0)
		return 0;
	return -errno;
}

int fence_lift(struct fence *f)
{
	int rc = 0;

	fence_release_blockdev(f);
	if (!f->path)
		return 0;
	rc = fence_node_restore(f->hidden, f->path);
	fence_forget(f);
	return rc;
}
