/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DAXPIN_H
#define DAXPIN_DAXPIN_H

/*
 * libdaxpin: who holds pages of a persistent-memory device.
 *
 * Functions return 0 or a negative errno. The library prints nothing but
 * its log, which goes to stderr at the priority of DAXPIN_LOG (a syslog
 * name or number: "err", "info", "debug") unless a log function is set.
 */

#include <stdarg.h>

struct daxpin_ctx;

int daxpin_new(struct daxpin_ctx **ctx);
void daxpin_unref(struct daxpin_ctx *ctx);

typedef void (*daxpin_log_fn)(struct daxpin_ctx *ctx, int priority,
			      const char *file, int line, const char *fn,
			      const char *format, va_list args);
void daxpin_set_log_fn(struct daxpin_ctx *ctx, daxpin_log_fn fn);
void daxpin_set_log_priority(struct daxpin_ctx *ctx, int priority);
int daxpin_get_log_priority(struct daxpin_ctx *ctx);

/*
 * The first kernel module persistent memory needs (libnvdimm, nd_pmem,
 * dax_pmem, device_dax) that is neither loaded nor built in, or NULL.
 */
const char *daxpin_missing_module(struct daxpin_ctx *ctx);

#include <daxpin/topology.h>

#endif
