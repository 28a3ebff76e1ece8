// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ndctl/libndctl.h>

#include "core/private.h"
#include "events/uevents.h"
#include "unbind.h"

static struct ndctl_namespace *ndns_find(struct ndctl_ctx *ndctl, const char *name)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach(ndctl, bus)
		ndctl_region_foreach(bus, region)
			ndctl_namespace_foreach(region, ndns)
				if (strcmp(ndctl_namespace_get_devname(ndns), name) == 0)
					return ndns;
	return NULL;
}

/*
 * What daxctl_dev_disable() writes for the dax-bus device model. Neither it
 * nor daxctl_dev_is_enabled() can be used: both first stat /dev/NAME to
 * tell the device model, and the drain's fence has removed that node until
 * the device is unbound. Written to the driver the drain found bound, not
 * to whichever is bound now: the kernel refuses (ENODEV) a device that
 * another driver took since (daxctl reconfigure-device to kmem, whose
 * unbind of online memory the kernel cannot undo).
 */
static int driver_unbind(const char *driver, const char *name)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/dax/drivers/%s/unbind", driver);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	n = write(fd, name, strlen(name));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

int unbind_daxdev(struct daxpin_ctx *ctx, const struct daxpin_daxdev *d)
{
	char driver[PATH_MAX];
	int rc;

	(void)ctx;
	if (!d->driver_name)
		return -ENODEV;
	rc = driver_unbind(d->driver_name, d->dev);
	if (rc < 0)
		return rc;
	snprintf(driver, sizeof(driver), "/sys/bus/dax/devices/%s/driver", d->dev);
	return access(driver, F_OK) == 0 ? -EBUSY : 0;
}

int daxdev_driver_now(const char *name, char *driver, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/driver", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(driver, size, "%s", errno == ENOENT ? "none" : "unknown");
		return -errno;
	}
	target[n] = 0;
	snprintf(driver, size, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return 0;
}

int unbind_namespace(struct daxpin_ctx *ctx, const struct daxpin_namespace *ns)
{
	struct ndctl_namespace *ndns;
	struct ndctl_ctx *ndctl;
	int rc = daxpin_ndctl(ctx, &ndctl);

	if (rc < 0)
		return rc;
	ndns = ndns_find(ndctl, ns->dev);
	if (!ndns)
		return -ENOENT;
	rc = ndctl_namespace_disable_safe(ndns);
	if (rc < 0)
		return rc;
	return ndctl_namespace_is_active(ndns) ? -EBUSY : 0;
}

static int event_wait(struct uevents *w, const char *subsystem, const char *name,
		      const char *action, char *why, size_t size)
{
	int rc = uevents_wait(w, subsystem, name, action, UNBIND_VERIFY_MS);

	if (rc < 0)
		snprintf(why, size, "no %s event for %s/%s within %d ms: %s", action, subsystem,
			 name, UNBIND_VERIFY_MS, strerror(-rc));
	return rc;
}

/* A device the namespace's disable removed: its event came, its node went. */
static int removed(struct uevents *w, const char *subsystem, const char *name,
		   char *why, size_t size)
{
	char node[PATH_MAX];
	int rc = event_wait(w, subsystem, name, "remove", why, size);

	if (rc < 0)
		return rc;
	snprintf(node, sizeof(node), "/dev/%s", name);
	if (access(node, F_OK) == 0) {
		snprintf(why, size, "%s was removed, but its node %s is still there", name, node);
		return -EEXIST;
	}
	return 0;
}

int unbind_verify_daxdev(struct uevents *w, const struct daxpin_daxdev *d,
			 char *why, size_t size)
{
	return event_wait(w, "dax", d->dev, "unbind", why, size);
}

/*
 * Not the namespace's own "unbind": a namespace in fsdax (-M dev) or devdax
 * mode is never bound itself, the pfn or dax device claiming it is; what
 * disabling it does for certain is remove its block device or dax devices.
 */
int unbind_verify_namespace(struct uevents *w, const struct daxpin_namespace *ns,
			    char *why, size_t size)
{
	int rc = 0;

	if (ns->mode == DAXPIN_NS_MODE_FSDAX && ns->blockdev)
		rc = removed(w, "block", ns->blockdev, why, size);
	for (size_t i = 0; !rc && ns->mode == DAXPIN_NS_MODE_DEVDAX && i < ns->nr_daxdevs; i++)
		rc = removed(w, "dax", ns->daxdevs[i].dev, why, size);
	return rc;
}
