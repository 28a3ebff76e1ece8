/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TARGETS_H
#define DAXPIN_TARGETS_H

/* Fronts lib/topology/. */

/*
 * A target is what a holders, owners or layouts search looks for: a set
 * of keys. Keys are device numbers and inode numbers, never paths, so a
 * process in another mount namespace (a container with its own /dev) is
 * found as well as one in ours.
 */

#include <stddef.h>
#include <sys/types.h>

struct daxpin_topology;
struct daxpin_daxdev;
struct daxpin_namespace;
struct daxpin_region;
struct daxpin_dax_region;

enum daxpin_key_kind {
	DAXPIN_KEY_CHARDEV,	/* any character device node with rdev == dev (device-dax) */
	DAXPIN_KEY_BLOCKDEV,	/* any block device node with rdev == dev (fsdax pmemN) */
	DAXPIN_KEY_FILESYSTEM,	/* every file of the filesystem whose st_dev == dev */
	DAXPIN_KEY_FILE,	/* one file: st_dev == dev and st_ino == ino */
};

struct daxpin_key {
	enum daxpin_key_kind kind;
	dev_t dev;
	ino_t ino;		/* DAXPIN_KEY_FILE only */
	mode_t type;		/* DAXPIN_KEY_FILE: S_IFDIR, S_IFREG... if known, else 0 */
};

struct daxpin_target {
	struct daxpin_key *keys;
	size_t nr_keys;
};

/*
 * Each appends the keys of an object to t (start from a zeroed target);
 * 0 or a negative errno. A device-dax device: its character device. A
 * namespace: its dax devices, or its block device and the filesystems
 * mounted from it. A path: a character or block device node as the device
 * (a block device with its filesystems), a mount point as its whole
 * filesystem, anything else as that one file (-ENOENT if it does not exist).
 * A region: every namespace in it; a dax region: every dax device in it
 * (a system-RAM one's pages are found by its keys, see <daxpin/owners.h>).
 */
int daxpin_target_add_key(struct daxpin_target *t, enum daxpin_key_kind kind,
			  dev_t dev, ino_t ino);
int daxpin_target_add_daxdev(struct daxpin_target *t,
			     const struct daxpin_daxdev *d);
int daxpin_target_add_namespace(struct daxpin_target *t,
				const struct daxpin_namespace *ns);
int daxpin_target_add_region(struct daxpin_target *t, const struct daxpin_region *r);
int daxpin_target_add_dax_region(struct daxpin_target *t, const struct daxpin_dax_region *r);
/* A region, dax device, namespace or block device of topology t by name; -ENOENT if none. */
int daxpin_target_add_name(struct daxpin_target *t, const struct daxpin_topology *topo,
			   const char *name);
int daxpin_target_add_path(struct daxpin_target *t, const char *path);
void daxpin_target_clear(struct daxpin_target *t);

#endif
