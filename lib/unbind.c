// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "private.h"
#include "unbind.h"

static struct ndctl_namespace *ndns_find(struct daxpin_ctx *ctx, const char *name)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach(ctx->ndctl, bus)
		ndctl_region_foreach(bus, region)
			ndctl_namespace_foreach(region, ndns)
				if (strcmp(ndctl_namespace_get_devname(ndns), name) == 0)
					return ndns;
	return NULL;
}

static struct daxctl_dev *dev_in_region(struct daxctl_region *region, const char *name)
{
	struct daxctl_dev *dev;

	daxctl_dev_foreach(region, dev)
		if (strcmp(daxctl_dev_get_devname(dev), name) == 0)
			return dev;
	return NULL;
}

/* Through its namespace when it has one: libdaxctl lists those regions only once asked. */
static struct daxctl_dev *daxdev_find(struct daxpin_ctx *ctx, const struct daxpin_daxdev *d)
{
	struct ndctl_namespace *ndns = d->ns ? ndns_find(ctx, d->ns->dev) : NULL;
	struct ndctl_dax *dax = ndns ? ndctl_namespace_get_dax(ndns) : NULL;
	struct daxctl_region *region;
	struct daxctl_dev *dev = NULL;

	if (dax && ndctl_dax_get_daxctl_region(dax))
		return dev_in_region(ndctl_dax_get_daxctl_region(dax), d->dev);
	daxctl_region_foreach(ndctl_get_daxctl_ctx(ctx->ndctl), region) {
		dev = dev_in_region(region, d->dev);
		if (dev)
			break;
	}
	return dev;
}

/*
 * What daxctl_dev_disable() writes for the dax-bus device model. It is not
 * called because it first stats /dev/NAME to tell the device model, and
 * the drain's fence has removed that node until the device is unbound.
 */
static int driver_unbind(const char *name)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/driver/unbind", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, name, strlen(name));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

int unbind_daxdev(struct daxpin_ctx *ctx, const struct daxpin_daxdev *d)
{
	struct daxctl_dev *dev = daxdev_find(ctx, d);
	int rc;

	if (!dev)
		return -ENOENT;
	rc = driver_unbind(d->dev);
	if (rc < 0)
		return rc;
	return daxctl_dev_is_enabled(dev) ? -EBUSY : 0;
}

int unbind_namespace(struct daxpin_ctx *ctx, const struct daxpin_namespace *ns)
{
	struct ndctl_namespace *ndns = ndns_find(ctx, ns->dev);
	int rc;

	if (!ndns)
		return -ENOENT;
	rc = ndctl_namespace_disable_safe(ndns);
	if (rc < 0)
		return rc;
	return ndctl_namespace_is_active(ndns) ? -EBUSY : 0;
}
