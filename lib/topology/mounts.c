// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libmount.h>

#include "mounts.h"
#include "core/private.h"

const char *mounts_dax_mode(const char *fs_options)
{
	static const char *const modes[] = { "always", "inode", "never" };
	char *value;
	size_t len;

	if (!fs_options || mnt_optstr_get_option(fs_options, "dax", &value, &len) != 0)
		return NULL;
	/* ext4 before 5.8 and "-o dax" print the bare flag, meaning always */
	if (!value)
		return "always";
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (len == strlen(modes[i]) && strncmp(value, modes[i], len) == 0)
			return modes[i];
	return NULL;
}

void mounts_free(struct daxpin_mount *mounts, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(mounts[i].target);
		free(mounts[i].fstype);
		free(mounts[i].source);
	}
	free(mounts);
}

static char *strdup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int mounts_of_blockdev(struct libmnt_table *tb, unsigned int major, unsigned int minor,
		       struct daxpin_mount **out)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct daxpin_mount *mounts = NULL, *m;
	struct libmnt_fs *fs;
	size_t nr = 0;

	if (!it)
		return -ENOMEM;
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		if (mnt_fs_get_devno(fs) != makedev(major, minor))
			continue;
		m = array_push(&mounts, &nr, sizeof(*m));
		if (!m)
			goto nomem;
		m->target = strdup_or_empty(mnt_fs_get_target(fs));
		m->fstype = strdup_or_empty(mnt_fs_get_fstype(fs));
		m->source = strdup_or_empty(mnt_fs_get_source(fs));
		m->dax = mounts_dax_mode(mnt_fs_get_fs_options(fs));
		if (!m->target || !m->fstype || !m->source)
			goto nomem;
	}
	mnt_free_iter(it);
	*out = mounts;
	return (int)nr;
nomem:
	mnt_free_iter(it);
	mounts_free(mounts, nr);
	return -ENOMEM;
}
