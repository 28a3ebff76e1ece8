// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A drain of a region takes the namespaces the region had when the drain
 * began. ndctl create-namespace can add one while the drain waits; the
 * drain holds no lock of it and has checked nothing of it, so finishing
 * would report a region out of service that has a live namespace. Behind
 * the fence, before anything is unbound, the region's namespaces are read
 * again (sysfs: libndctl keeps the list it read first): an enabled one the
 * drain does not know stops it, nothing changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/private.h"
#include "drain_internal.h"

int drain_region_add(struct daxpin_drain *d, const struct daxpin_region *r)
{
	const struct daxpin_region **regions;

	regions = realloc(d->regions, (d->nr_regions + 1) * sizeof(*regions));
	if (!regions)
		return -ENOMEM;
	regions[d->nr_regions++] = r;
	d->regions = regions;
	return 0;
}

/* Whether the drain takes namespace NAME (it was enabled when the drain began). */
static bool namespace_taken(const struct daxpin_drain *d, const char *name)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (drain_unit_active(&d->units[i]) && strcmp(d->units[i].pub.name, name) == 0)
			return true;
	return false;
}

/*
 * Whether namespace NAME of the region DIR is enabled as libndctl counts it:
 * bound itself (raw mode), or claimed by a btt, pfn or dax device of the
 * region that is bound (sector, fsdax, devdax: the namespace is unbound).
 */
static bool namespace_enabled(int dir, const char *name)
{
	char path[NAME_MAX * 2 + 16], holder[NAME_MAX + 1] = "";
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/driver", name);
	if (faccessat(dir, path, F_OK, 0) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/holder", name);
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, holder, sizeof(holder) - 1);
		close(fd);
	}
	if (n <= 0)
		return false;
	holder[n] = 0;
	holder[strcspn(holder, "\n")] = 0;
	if (!*holder)
		return false;
	snprintf(path, sizeof(path), "%s/driver", holder);
	return faccessat(dir, path, F_OK, 0) == 0;
}

/*
 * An enabled namespace of R that the drain does not take, in NEW; 1 if
 * found. It may have the name of one that was idle when the drain began:
 * ndctl create-namespace uses the region's seed.
 */
static int region_grown(const struct daxpin_drain *d, const struct daxpin_region *r,
			char *new, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s", r->dev);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!found && (de = readdir(dir))) {
		bool taken, enabled;

		if (strncmp(de->d_name, "namespace", 9) != 0)
			continue;
		taken = namespace_taken(d, de->d_name);
		enabled = namespace_enabled(dirfd(dir), de->d_name);
		dbg(d->ctx, "%s: %s %s, %s\n", r->dev, de->d_name, enabled ? "enabled" : "idle",
		    taken ? "drained" : "not drained");
		if (enabled && !taken) {
			snprintf(new, size, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

int drain_regions_unchanged(struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_regions; i++) {
		char new[NAME_MAX + 1];

		if (region_grown(d, d->regions[i], new, sizeof(new)) == 1) {
			drain_reason_set(d, "%s gained %s while the drain ran (created after it began): the drain has not checked it and does not take it; nothing was changed; drain %s again",
					 d->regions[i]->dev, new, d->regions[i]->dev);
			return -EBUSY;
		}
	}
	return 0;
}
