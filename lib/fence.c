// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fence.h"

void fence_init(struct fence *f)
{
	memset(f, 0, sizeof(*f));
	f->bdev_fd = -1;
}

static void xattrs_free(struct fence *f)
{
	for (size_t i = 0; i < f->nr_xattrs; i++) {
		free(f->xattrs[i].name);
		free(f->xattrs[i].value);
	}
	free(f->xattrs);
	f->xattrs = NULL;
	f->nr_xattrs = 0;
}

static int xattr_save(struct fence *f, const char *name)
{
	struct fence_xattr *grown, *x;
	ssize_t size = lgetxattr(f->path, name, NULL, 0);

	if (size < 0)
		return -errno;
	grown = realloc(f->xattrs, (f->nr_xattrs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->xattrs = grown;
	x = &grown[f->nr_xattrs];
	x->name = strdup(name);
	x->value = malloc(size ? (size_t)size : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -ENOMEM;
	}
	f->nr_xattrs++;
	size = lgetxattr(f->path, name, x->value, (size_t)size);
	if (size < 0)
		return -errno;
	x->size = (size_t)size;
	return 0;
}

/* Every extended attribute of the node: the SELinux label, ACLs and the like. */
static int xattrs_save(struct fence *f)
{
	ssize_t len = llistxattr(f->path, NULL, 0);
	char *names, *name;
	int rc = 0;

	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	if (!len)
		return 0;
	names = malloc((size_t)len);
	if (!names)
		return -ENOMEM;
	len = llistxattr(f->path, names, (size_t)len);
	if (len < 0)
		rc = -errno;
	for (name = names; rc == 0 && name < names + len; name += strlen(name) + 1)
		rc = xattr_save(f, name);
	free(names);
	return rc;
}

int fence_chardev(struct fence *f, const char *name, unsigned int major,
		  unsigned int minor)
{
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "/dev/%s", name);
	if (lstat(path, &f->st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISCHR(f->st.st_mode) || f->st.st_rdev != makedev(major, minor))
		return 0;
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	rc = xattrs_save(f);
	if (rc == 0 && unlink(path) < 0)
		rc = -errno;
	if (rc < 0) {
		xattrs_free(f);
		free(f->path);
		f->path = NULL;
	}
	return rc;
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

void fence_forget(struct fence *f)
{
	xattrs_free(f);
	free(f->path);
	f->path = NULL;
}

int fence_lift(struct fence *f)
{
	const struct timespec times[2] = { f->st.st_atim, f->st.st_mtim };
	int rc = 0;

	fence_release_blockdev(f);
	if (!f->path)
		return 0;
	if (mknod(f->path, S_IFCHR | (f->st.st_mode & 07777), f->st.st_rdev) < 0) {
		/* udev was faster: its node stands */
		rc = errno == EEXIST ? 0 : -errno;
		fence_forget(f);
		return rc;
	}
	/* mknod applied the umask: the mode is set again */
	if (lchown(f->path, f->st.st_uid, f->st.st_gid) < 0 ||
	    chmod(f->path, f->st.st_mode & 07777) < 0)
		rc = -errno;
	for (size_t i = 0; rc == 0 && i < f->nr_xattrs; i++)
		if (lsetxattr(f->path, f->xattrs[i].name, f->xattrs[i].value,
			      f->xattrs[i].size, 0) < 0)
			rc = -errno;
	if (rc == 0 && utimensat(AT_FDCWD, f->path, times, AT_SYMLINK_NOFOLLOW) < 0)
		rc = -errno;
	fence_forget(f);
	return rc;
}
