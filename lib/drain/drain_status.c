// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a drain's parts share: its clock, the reason it gives, its events
 * and whether it was cancelled.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "drain_internal.h"
#include "core/private.h"

__attribute__((format(printf, 2, 3)))
void drain_reason_set(struct daxpin_drain *d, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, args);
	va_end(args);
}

uint64_t drain_elapsed_us(const struct daxpin_drain *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - d->start.tv_sec) * 1000000 +
	       (uint64_t)((now.tv_nsec - d->start.tv_nsec) / 1000);
}

uint64_t drain_elapsed_ms(const struct daxpin_drain *d)
{
	return drain_elapsed_us(d) / 1000;
}

bool drain_unit_active(const struct unit *u)
{
	return u->pub.state == DAXPIN_DRAIN_BOUND;
}

void drain_emit(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 struct daxpin_drain_event *ev)
{
	ev->elapsed_ms = drain_elapsed_ms(d);
	if (o->progress)
		o->progress(ev, o->arg);
}

bool drain_cancelled(const struct daxpin_drain_options *o)
{
	struct pollfd pfd = { .fd = o->cancel_fd, .events = POLLIN };

	return o->cancel_fd >= 0 && poll(&pfd, 1, 0) > 0;
}
