/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_FENCE_H
#define DAXPIN_FENCE_H

/*
 * A fence keeps new users away from a device while a drain makes its final
 * check and unbinds it. A character device node is moved out of the way,
 * to /dev/.daxpin-fenced-NAME, not made unopenable by its mode: root
 * ignores mode bits. Moving it (a rename) keeps the very inode: owner,
 * mode, times, SELinux label and ACLs come back exactly, and so does
 * devtmpfs's ownership of the node, without which devtmpfs would not
 * remove it with the device (a node made again with mknod would be left
 * behind, stale, when the device goes). A block device is opened
 * exclusively, which makes mount fail with EBUSY.
 */
struct fence {
	char *path;		/* /dev/NAME while moved away, else NULL */
	char *hidden;		/* where it is */
	int bdev_fd;		/* the exclusive open, -1 when none */
};

void fence_init(struct fence *f);
/*
 * Moves /dev/NAME away if it is the character device major:minor (0 also
 * when there is no such node). The caller holds the drain lock of NAME
 * (drainlock.h), so a fenced node already there is a dead drain's and is
 * replaced. Negative errno on failure, nothing changed.
 */
int fence_chardev(struct fence *f, const char *name, unsigned int major,
		  unsigned int minor);
/* Opens /dev/NAME with O_EXCL: -EBUSY while mounted or claimed. */
int fence_blockdev(struct fence *f, const char *name);
/* Closes the exclusive open, if any. */
void fence_release_blockdev(struct fence *f);
/*
 * Moves a fenced node at hidden back to path; if a node was made at path
 * meanwhile (udev, devtmpfs), that one stands and hidden is removed.
 */
int fence_node_restore(const char *hidden, const char *path);
/* Moves the node back and closes the exclusive open; 0 or -errno. */
int fence_lift(struct fence *f);

#endif
