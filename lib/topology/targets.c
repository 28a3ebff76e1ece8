// SPDX-License-Identifier: LGPL-2.1-or-later
/* The keys a target is known by: devices, filesystems, files. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <daxpin/targets.h>
#include <daxpin/topology.h>

#include "core/private.h"

static int key_add(struct daxpin_target *t, enum daxpin_key_kind kind, dev_t dev,
		   ino_t ino, mode_t type)
{
	struct daxpin_key *k = array_push(&t->keys, &t->nr_keys, sizeof(*k));

	if (!k)
		return -ENOMEM;
	*k = (struct daxpin_key){ .kind = kind, .dev = dev, .ino = ino,
				  .type = type };
	return 0;
}

DAXPIN_EXPORT int daxpin_target_add_key(struct daxpin_target *t,
					enum daxpin_key_kind kind, dev_t dev,
					ino_t ino)
{
	if (kind > DAXPIN_KEY_FILE)
		return -EINVAL;
	return key_add(t, kind, dev, kind == DAXPIN_KEY_FILE ? ino : 0, 0);
}

DAXPIN_EXPORT int daxpin_target_add_daxdev(struct daxpin_target *t,
					   const struct daxpin_daxdev *d)
{
	/* a disabled device has no character device, so nothing can hold it open */
	if (!d->major && !d->minor)
		return 0;
	return key_add(t, DAXPIN_KEY_CHARDEV, makedev(d->major, d->minor), 0, 0);
}

/*
 * A block device and its filesystems: XFS and ext4 on a block device use
 * its number as their st_dev, so the same number finds the files of every
 * mount of it, including mounts in other namespaces that our mountinfo
 * does not show.
 */
static int blockdev_keys(struct daxpin_target *t, dev_t dev)
{
	int rc = key_add(t, DAXPIN_KEY_BLOCKDEV, dev, 0, 0);

	return rc ? rc : key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0, 0);
}

DAXPIN_EXPORT int daxpin_target_add_namespace(struct daxpin_target *t,
					      const struct daxpin_namespace *ns)
{
	int rc = 0;

	for (size_t i = 0; i < ns->nr_daxdevs && !rc; i++)
		rc = daxpin_target_add_daxdev(t, &ns->daxdevs[i]);
	if (!rc && ns->blockdev)
		rc = blockdev_keys(t, makedev(ns->blk_major, ns->blk_minor));
	return rc;
}

DAXPIN_EXPORT int daxpin_target_add_region(struct daxpin_target *t,
					   const struct daxpin_region *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->nr_namespaces && !rc; i++)
		rc = daxpin_target_add_namespace(t, &r->namespaces[i]);
	return rc;
}

DAXPIN_EXPORT int daxpin_target_add_dax_region(struct daxpin_target *t,
					       const struct daxpin_dax_region *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->nr_daxdevs && !rc; i++)
		rc = daxpin_target_add_daxdev(t, &r->daxdevs[i]);
	return rc;
}

static bool is_mount_root(const char *path, const struct statx *stx)
{
	struct statx parent;
	char *up;
	bool root;

	if (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return stx->stx_attributes & STATX_ATTR_MOUNT_ROOT;
	/* before Linux 5.8: a mount root differs from its parent in device, or is "/" */
	if (asprintf(&up, "%s/..", path) < 0)
		return false;
	root = statx(AT_FDCWD, up, 0, STATX_INO, &parent) == 0 &&
	       (parent.stx_dev_major != stx->stx_dev_major ||
		parent.stx_dev_minor != stx->stx_dev_minor ||
		parent.stx_ino == stx->stx_ino);
	free(up);
	return root;
}

DAXPIN_EXPORT int daxpin_target_add_path(struct daxpin_target *t, const char *path)
{
	struct statx stx;
	dev_t dev;

	if (statx(AT_FDCWD, path, 0, STATX_TYPE | STATX_INO, &stx) < 0)
		return -errno;
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	if (S_ISCHR(stx.stx_mode))
		return key_add(t, DAXPIN_KEY_CHARDEV,
			       makedev(stx.stx_rdev_major, stx.stx_rdev_minor), 0, 0);
	if (S_ISBLK(stx.stx_mode))
		return blockdev_keys(t, makedev(stx.stx_rdev_major, stx.stx_rdev_minor));
	if (S_ISDIR(stx.stx_mode) && is_mount_root(path, &stx))
		return key_add(t, DAXPIN_KEY_FILESYSTEM, dev, 0, 0);
	return key_add(t, DAXPIN_KEY_FILE, dev, stx.stx_ino, stx.stx_mode & S_IFMT);
}

DAXPIN_EXPORT void daxpin_target_clear(struct daxpin_target *t)
{
	free(t->keys);
	t->keys = NULL;
	t->nr_keys = 0;
}

DAXPIN_EXPORT int daxpin_target_add_name(struct daxpin_target *tg,
					 const struct daxpin_topology *t, const char *name)
{
	struct daxpin_object obj;

	if (daxpin_topology_lookup(t, name, &obj) < 0)
		return -ENOENT;
	if (obj.region)
		return daxpin_target_add_region(tg, obj.region);
	return obj.ns ? daxpin_target_add_namespace(tg, obj.ns) :
			daxpin_target_add_daxdev(tg, obj.daxdev);
}
