/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_FENCE_H
#define DAXPIN_FENCE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * A fence keeps new users away from a device while a drain makes its final
 * check and unbinds it. A character device node is removed, not made
 * unopenable: root ignores mode bits, and a removed node cannot be opened
 * by anyone. It is recreated exactly as it was (type, device number,
 * owner, mode, times, every extended attribute: SELinux label, ACLs). A
 * block device is opened exclusively, which makes mount fail with EBUSY.
 */
struct fence_xattr {
	char *name;
	void *value;
	size_t size;
};

struct fence {
	char *path;		/* the removed node, NULL when nothing is removed */
	struct stat st;
	struct fence_xattr *xattrs;
	size_t nr_xattrs;
	int bdev_fd;		/* the exclusive open, -1 when none */
};

void fence_init(struct fence *f);
/*
 * Removes /dev/NAME if it is the character device major:minor (0 also
 * when there is no such node). Negative errno on failure, nothing changed.
 */
int fence_chardev(struct fence *f, const char *name, unsigned int major,
		  unsigned int minor);
/* Opens /dev/NAME with O_EXCL: -EBUSY while mounted or claimed. */
int fence_blockdev(struct fence *f, const char *name);
/* Closes the exclusive open, if any. */
void fence_release_blockdev(struct fence *f);
/* Recreates the removed node and closes the exclusive open; 0 or -errno. */
int fence_lift(struct fence *f);
/* Forgets the removed node without recreating it (the device is gone). */
void fence_forget(struct fence *f);

#endif
