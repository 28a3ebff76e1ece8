/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_UNBIND_H
#define DAXPIN_UNBIND_H

#include <daxpin/topology.h>

struct daxpin_ctx;

/*
 * Unbind a dax device from its driver (sysfs) or disable a namespace
 * (libndctl), then check that it is no longer enabled. The caller has made
 * sure nothing holds it: neither libndctl nor the kernel waits for page
 * references. 0, -ENOENT when the object does not exist,
 * -EBUSY when it is still enabled afterwards, or their negative errno.
 */
int unbind_daxdev(struct daxpin_ctx *ctx, const struct daxpin_daxdev *d);
int unbind_namespace(struct daxpin_ctx *ctx, const struct daxpin_namespace *ns);

#endif
