/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_MONITOR_H
#define DAXPIN_MONITOR_H

/* Fronts lib/events/. */

/*
 * Persistent-memory devices appearing, going, and binding to or unbinding
 * from their drivers (ndctl enable/disable-namespace, daxctl
 * enable/disable-device, create/destroy-namespace), as the kernel reports
 * them: regions, namespaces, dax devices and pmem block devices. Read from
 * the kernel's uevents directly, so it works without udevd (containers, an
 * initramfs); the device node may not exist yet when an add is reported.
 */

struct daxpin_ctx;
struct daxpin_monitor;

enum daxpin_device_action {
	DAXPIN_DEVICE_ADD,
	DAXPIN_DEVICE_REMOVE,
	DAXPIN_DEVICE_BIND,	/* a driver attached: enabled */
	DAXPIN_DEVICE_UNBIND,	/* the driver detached: disabled */
	DAXPIN_DEVICE_CHANGE,
	DAXPIN_DEVICE_MOVE,
};

enum daxpin_device_kind {
	DAXPIN_DEVICE_REGION,
	DAXPIN_DEVICE_NAMESPACE,
	DAXPIN_DEVICE_DAXDEV,
	DAXPIN_DEVICE_BLOCKDEV,
};

struct daxpin_device_event {
	enum daxpin_device_action action;
	enum daxpin_device_kind kind;
	char name[64];		/* "namespace0.0", "dax0.0", "pmem0" */
};

/* 0 or a negative errno (-ENOMEM, or the netlink socket's error). */
int daxpin_monitor_new(struct daxpin_ctx *ctx, struct daxpin_monitor **mon);
/* Readable (poll) when an event may be waiting; non-blocking. */
int daxpin_monitor_get_fd(const struct daxpin_monitor *mon);
/*
 * The next event: 0 and *ev filled, or -EAGAIN when none is waiting
 * (events of other devices are consumed and skipped).
 */
int daxpin_monitor_receive(struct daxpin_monitor *mon, struct daxpin_device_event *ev);
void daxpin_monitor_free(struct daxpin_monitor *mon);

/* "add", "remove", "bind", "unbind", "change", "move" */
const char *daxpin_device_action_name(enum daxpin_device_action action);
/* "region", "namespace", "daxdev", "blockdev" */
const char *daxpin_device_kind_name(enum daxpin_device_kind kind);

#endif
