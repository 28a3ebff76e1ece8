// SPDX-License-Identifier: LGPL-2.1-or-later
/* Whether a file a process uses is one a holders target is known by. */
#include "config.h"
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* Whether the character device dev is a device-dax node (its class is dax). */
static bool is_devdax(dev_t dev)
{
	char path[64], link[PATH_MAX];
	const char *class;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/subsystem", major(dev), minor(dev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	class = strrchr(link, '/');
	return strcmp(class ? class + 1 : link, "dax") == 0;
}

/*
 * Whether every device key names a device-dax node: drivers/dax/device.c
 * (check_vma()) refuses private mappings of those, so a scan for them alone
 * can pass over private mappings without identifying their files. Block
 * devices and other character devices (/dev/zero) can be mapped private.
 */
bool holders_devices_map_shared(const struct daxpin_target *targets, size_t nr_targets)
{
	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++) {
			const struct daxpin_key *k = &targets[i].keys[j];

			if (k->kind == DAXPIN_KEY_BLOCKDEV ||
			    (k->kind == DAXPIN_KEY_CHARDEV && !is_devdax(k->dev)))
				return false;
		}
	return true;
}
