// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: mountinfo text through libmount's parser into the collector the
 * topology uses, and every mount's filesystem options into the dax reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <libmount.h>

#include "topology/mounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	struct libmnt_table *tb = mnt_new_table();
	struct daxpin_mount *mounts = NULL;
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int nr;

	if (f && tb && it && mnt_table_parse_stream(tb, f, "fuzz") == 0) {
		while (mnt_table_next_fs(tb, it, &fs) == 0)
			mounts_dax_mode(mnt_fs_get_fs_options(fs));
		nr = mounts_of_blockdev(tb, 259, 0, &mounts);
		if (nr > 0)
			mounts_free(mounts, (size_t)nr);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	if (f)
		fclose(f);
	return 0;
}
