// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libudev.h>
#include <daxpin/monitor.h>

#include "core/private.h"

struct daxpin_monitor {
	struct udev_monitor *mon;
};

static const struct {
	const char *subsystem;
	const char *prefix;	/* of the device name */
	enum daxpin_device_kind kind;
} watched[] = {
	{ "nd", "region", DAXPIN_DEVICE_REGION },
	{ "nd", "namespace", DAXPIN_DEVICE_NAMESPACE },
	{ "dax", "dax", DAXPIN_DEVICE_DAXDEV },
	{ "block", "pmem", DAXPIN_DEVICE_BLOCKDEV },
};

DAXPIN_EXPORT int daxpin_monitor_new(struct daxpin_ctx *ctx, struct daxpin_monitor **out)
{
	struct daxpin_monitor *m = calloc(1, sizeof(*m));
	int rc = -ENOMEM;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	/* the kernel's own events: udevd may not run where daxpin does */
	m->mon = udev_monitor_new_from_netlink(ctx->udev, "kernel");
	if (!m->mon)
		goto fail;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		rc = udev_monitor_filter_add_match_subsystem_devtype(m->mon, watched[i].subsystem, NULL);
		if (rc < 0)
			goto fail;
	}
	rc = udev_monitor_enable_receiving(m->mon);
	if (rc < 0) {
		err(ctx, "cannot receive kernel device events: %s\n", strerror(-rc));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	daxpin_monitor_free(m);
	return rc < 0 ? rc : -ENOMEM;
}

DAXPIN_EXPORT int daxpin_monitor_get_fd(const struct daxpin_monitor *m)
{
	return udev_monitor_get_fd(m->mon);
}

/* the kernel's ACTION values, which are also the names daxpin reports */
static const char *const action_names[] = {
	[DAXPIN_DEVICE_ADD] = "add", [DAXPIN_DEVICE_REMOVE] = "remove",
	[DAXPIN_DEVICE_BIND] = "bind", [DAXPIN_DEVICE_UNBIND] = "unbind",
	[DAXPIN_DEVICE_CHANGE] = "change", [DAXPIN_DEVICE_MOVE] = "move",
};

static bool action_parse(const char *s, enum daxpin_device_action *a)
{
	for (size_t i = 0; s && i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(s, action_names[i]) == 0) {
			*a = (enum daxpin_device_action)i;
			return true;
		}
	return false;
}

/* A device of interest: its kind; false for the rest (pfn, btt, nmem, other disks). */
static bool device_kind(struct udev_device *dev, enum daxpin_device_kind *kind)
{
	const char *subsystem = udev_device_get_subsystem(dev);
	const char *name = udev_device_get_sysname(dev);

	if (!subsystem || !name)
		return false;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (strcmp(subsystem, watched[i].subsystem) == 0 &&
		    strncmp(name, watched[i].prefix, strlen(watched[i].prefix)) == 0) {
			*kind = watched[i].kind;
			return true;
		}
	return false;
}

DAXPIN_EXPORT int daxpin_monitor_receive(struct daxpin_monitor *m, struct daxpin_device_event *ev)
{
	struct udev_device *dev;

	while ((dev = udev_monitor_receive_device(m->mon))) {
		bool wanted = action_parse(udev_device_get_action(dev), &ev->action) &&
			      device_kind(dev, &ev->kind);

		if (wanted)
			snprintf(ev->name, sizeof(ev->name), "%s", udev_device_get_sysname(dev));
		udev_device_unref(dev);
		if (wanted)
			return 0;
	}
	return -EAGAIN;
}

DAXPIN_EXPORT void daxpin_monitor_free(struct daxpin_monitor *m)
{
	if (!m)
		return;
	if (m->mon)
		udev_monitor_unref(m->mon);
	free(m);
}

DAXPIN_EXPORT const char *daxpin_device_action_name(enum daxpin_device_action a)
{
	return a <= DAXPIN_DEVICE_MOVE ? action_names[a] : NULL;
}

DAXPIN_EXPORT const char *daxpin_device_kind_name(enum daxpin_device_kind k)
{
	static const char *const names[] = {
		[DAXPIN_DEVICE_REGION] = "region", [DAXPIN_DEVICE_NAMESPACE] = "namespace",
		[DAXPIN_DEVICE_DAXDEV] = "daxdev", [DAXPIN_DEVICE_BLOCKDEV] = "blockdev",
	};

	return k <= DAXPIN_DEVICE_BLOCKDEV ? names[k] : NULL;
}
