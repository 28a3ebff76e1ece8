// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libudev.h>
#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "private.h"

static void log_stderr(struct daxpin_ctx *ctx, int priority, const char *file,
		       int line, const char *fn, const char *format,
		       va_list args) __attribute__((format(printf, 6, 0)));
static void log_stderr(struct daxpin_ctx *ctx, int priority, const char *file,
		       int line, const char *fn, const char *format,
		       va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "libdaxpin: %s: ", fn);
	vfprintf(stderr, format, args);
}

void daxpin_log(struct daxpin_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
}

void log_library(struct daxpin_ctx *ctx, const char *library, int priority,
			const char *file, int line, const char *fn, const char *format,
			va_list args)
{
	char where[128];

	snprintf(where, sizeof(where), "%s: %s", library, fn);
	ctx->log_fn(ctx, priority, file, line, where, format, args);
}

static void log_ndctl(struct ndctl_ctx *ndctl, int priority, const char *file, int line,
		      const char *fn, const char *format, va_list args)
	__attribute__((format(printf, 6, 0)));
static void log_ndctl(struct ndctl_ctx *ndctl, int priority, const char *file, int line,
		      const char *fn, const char *format, va_list args)
{
	log_library(ndctl_get_userdata(ndctl), "libndctl", priority, file, line, fn, format, args);
}

static void log_daxctl(struct daxctl_ctx *daxctl, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
	__attribute__((format(printf, 6, 0)));
static void log_daxctl(struct daxctl_ctx *daxctl, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	log_library(daxctl_get_userdata(daxctl), "libdaxctl", priority, file, line, fn, format,
		    args);
}

static int log_priority_parse(const char *s)
{
	static const struct {
		const char *name;
		int priority;
	} names[] = {
		{ "err", LOG_ERR },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char *end;
	long n;

	n = strtol(s, &end, 10);
	if (end != s && (*end == '\0' || isspace((unsigned char)*end)))
		return (int)n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncasecmp(s, names[i].name, strlen(names[i].name)) == 0)
			return names[i].priority;
	return LOG_ERR;
}

DAXPIN_EXPORT int daxpin_new(struct daxpin_ctx **out)
{
	struct daxpin_ctx *ctx;
	const char *env;
	int rc;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = LOG_ERR;
	env = secure_getenv("DAXPIN_LOG");
	if (env)
		ctx->log_priority = log_priority_parse(env);

	ctx->udev = udev_new();
	if (!ctx->udev) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = ctx;
	return 0;
fail:
	daxpin_unref(ctx);
	return rc;
}

/*
 * libndctl at its first use: ndctl_new() and the libdaxctl context it makes
 * each read the module configuration (libkmod parses /etc/modprobe.d and
 * /lib/modprobe.d twice), which a command that needs no topology (holders
 * of a device-dax device without BPF) would pay for nothing.
 */
int daxpin_ndctl(struct daxpin_ctx *ctx, struct ndctl_ctx **ndctl)
{
	int rc;

	if (!ctx->ndctl) {
		rc = ndctl_new(&ctx->ndctl);
		if (rc < 0) {
			ctx->ndctl = NULL;
			return rc;
		}
		/* libndctl and libdaxctl would otherwise log to stderr on their own */
		ndctl_set_userdata(ctx->ndctl, ctx);
		ndctl_set_log_fn(ctx->ndctl, log_ndctl);
		daxctl_set_userdata(ndctl_get_daxctl_ctx(ctx->ndctl), ctx);
		daxctl_set_log_fn(ndctl_get_daxctl_ctx(ctx->ndctl), log_daxctl);
		ndctl_set_log_priority(ctx->ndctl, ctx->log_priority);
	}
	*ndctl = ctx->ndctl;
	return 0;
}

DAXPIN_EXPORT void daxpin_unref(struct daxpin_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return;
	if (ctx->udev)
		udev_unref(ctx->udev);
	if (ctx->ndctl)
		ndctl_unref(ctx->ndctl);
	free(ctx);
}

DAXPIN_EXPORT void daxpin_set_log_fn(struct daxpin_ctx *ctx, daxpin_log_fn fn)
{
	ctx->log_fn = fn ? fn : log_stderr;
}

DAXPIN_EXPORT void daxpin_set_log_priority(struct daxpin_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
	if (ctx->ndctl)
		ndctl_set_log_priority(ctx->ndctl, priority);
}

DAXPIN_EXPORT int daxpin_get_log_priority(struct daxpin_ctx *ctx)
{
	return ctx->log_priority;
}

DAXPIN_EXPORT void daxpin_set_scans(struct daxpin_ctx *ctx, unsigned int scans)
{
	ctx->scans = scans;
}
