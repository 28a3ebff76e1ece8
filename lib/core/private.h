/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PRIVATE_H
#define DAXPIN_PRIVATE_H

#include <stddef.h>
#include <syslog.h>
#include <daxpin/daxpin.h>

struct ndctl_ctx;
struct daxctl_ctx;
struct udev;

/* marks the library's API: what a public libdaxpin would export (README, "Library") */
#define DAXPIN_EXPORT __attribute__((visibility("default")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct daxpin_ctx {
	int refcount;
	int log_priority;
	daxpin_log_fn log_fn;
	unsigned int scans;	/* daxpin_set_scans() */
	struct ndctl_ctx *ndctl;	/* daxpin_ndctl() */
	struct udev *udev;
};

/* libndctl's context, made at the first call; 0 or a negative errno. */
int daxpin_ndctl(struct daxpin_ctx *ctx, struct ndctl_ctx **ndctl);

void daxpin_log(struct daxpin_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define daxpin_log_cond(ctx, prio, ...)                                       \
	do {                                                                  \
		if ((ctx)->log_priority >= (prio))                            \
			daxpin_log(ctx, prio, __FILE__, __LINE__, __func__,   \
				   __VA_ARGS__);                              \
	} while (0)
/*
 * The messages of a library daxpin calls (libndctl, libdaxctl, libcxl),
 * through the caller's log function, "LIBRARY: FUNCTION" as their source.
 */
void log_library(struct daxpin_ctx *ctx, const char *library, int priority,
		 const char *file, int line, const char *fn, const char *format,
		 va_list args) __attribute__((format(printf, 7, 0)));

/*
 * lib/core/array.c, the growable arrays: array_grow() makes room for need
 * elements of size in *array, doubling its capacity *cap; array_push()
 * appends one zeroed element to *array (array: the address of the
 * pointer), of *nr, and returns it, or NULL.
 */
int array_grow(void **array, size_t *cap, size_t need, size_t size);
void *array_push(void *array, size_t *nr, size_t size);

#define err(ctx, ...) daxpin_log_cond(ctx, LOG_ERR, __VA_ARGS__)
#define info(ctx, ...) daxpin_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define dbg(ctx, ...) daxpin_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)

#endif
