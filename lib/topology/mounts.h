/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_MOUNTS_H
#define DAXPIN_MOUNTS_H

/*
 * Mount tables through util-linux's libmount (findmnt's library): it
 * unescapes paths, splits VFS from filesystem options and skips lines it
 * cannot parse, as findmnt does.
 */

#include <stddef.h>
#include <daxpin/topology.h>

struct libmnt_table;

/* The value of the "dax" filesystem option: "always", "inode", "never" or NULL. */
const char *mounts_dax_mode(const char *fs_options);

/*
 * Collects every mount of block device major:minor in table tb (a
 * mountinfo). Returns the number found (mounts allocated in *out), or a
 * negative errno.
 */
int mounts_of_blockdev(struct libmnt_table *tb, unsigned int major, unsigned int minor,
		       struct daxpin_mount **out);
void mounts_free(struct daxpin_mount *mounts, size_t nr);

#endif
