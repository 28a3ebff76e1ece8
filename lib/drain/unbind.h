/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_UNBIND_H
#define DAXPIN_UNBIND_H

#include <daxpin/topology.h>

struct daxpin_ctx;

/*
 * Unbind a dax device from its driver (sysfs) or disable a namespace
 * (libndctl), then check that it is no longer enabled. The caller has made
 * sure nothing holds it: neither libndctl nor the kernel waits for page
 * references. 0, -ENOENT when the object does not exist, -ENODEV when the
 * dax device is no longer bound to the driver it had when the topology was
 * read, -EBUSY when it is still enabled afterwards, or their negative errno.
 */
int unbind_daxdev(struct daxpin_ctx *ctx, const struct daxpin_daxdev *d);
int unbind_namespace(struct daxpin_ctx *ctx, const struct daxpin_namespace *ns);
/* The driver dax device NAME is bound to now ("none" when unbound): 0 or -errno. */
int daxdev_driver_now(const char *name, char *driver, size_t size);

/*
 * After unbind_*(), with events watched since before it (lib/events/uevents.h):
 * the dax device's "unbind" event came; a namespace's block device or dax
 * devices were removed ("remove" events) and their nodes are gone from
 * /dev. Waits at most UNBIND_VERIFY_MS per event. 0, -ETIMEDOUT (an event
 * did not come) or -EEXIST (a node is still there), with what in why.
 */
#define UNBIND_VERIFY_MS 2000
struct uevents;
int unbind_verify_daxdev(struct uevents *w, const struct daxpin_daxdev *d,
			 char *why, size_t size);
int unbind_verify_namespace(struct uevents *w, const struct daxpin_namespace *ns,
			    char *why, size_t size);

#endif
