// SPDX-License-Identifier: LGPL-2.1-or-later
/* Whether a file a process uses is one a holders target is known by. */
#include "config.h"
#include <stdbool.h>
#include <sys/stat.h>

#include <daxpin/holders.h>

#include "holders_internal.h"


static bool key_matches(const struct daxpin_key *k, const struct file_id *id)
{
	switch (k->kind) {
	case DAXPIN_KEY_CHARDEV:
		return S_ISCHR(id->mode) && id->rdev == k->dev;
	case DAXPIN_KEY_BLOCKDEV:
		return S_ISBLK(id->mode) && id->rdev == k->dev;
	case DAXPIN_KEY_FILESYSTEM:
		return id->dev == k->dev;
	case DAXPIN_KEY_FILE:
		return id->dev == k->dev && id->ino == k->ino;
	}
	return false;
}

bool holders_target_matches(const struct daxpin_target *t, const struct file_id *id)
{
	for (size_t i = 0; i < t->nr_keys; i++)
		if (key_matches(&t->keys[i], id))
			return true;
	return false;
}
