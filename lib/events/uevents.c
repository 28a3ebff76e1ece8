// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "core/private.h"
#include "uevents.h"

/* One event, as much of it as a wait asks about. */
struct seen {
	char subsystem[16];
	char sysname[64];
	char action[16];
};

struct uevents {
	struct udev_monitor *mon;
	struct seen *seen;
	size_t nr, cap;
};

int uevents_open(struct daxpin_ctx *ctx, struct uevents **out)
{
	struct uevents *w = calloc(1, sizeof(*w));
	/* udevd's control socket: events from udev come after its rules ran */
	const char *source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	int rc;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->mon = udev_monitor_new_from_netlink(ctx->udev, source);
	if (!w->mon) {
		free(w);
		return -errno ? -errno : -ENOMEM;
	}
	rc = udev_monitor_filter_add_match_subsystem_devtype(w->mon, "dax", NULL);
	if (!rc)
		rc = udev_monitor_filter_add_match_subsystem_devtype(w->mon, "block", NULL);
	if (!rc)
		rc = udev_monitor_enable_receiving(w->mon);
	if (rc < 0) {
		uevents_close(w);
		return rc;
	}
	dbg(ctx, "watching %s events\n", source);
	*out = w;
	return 0;
}

static bool seen_has(const struct uevents *w, const char *subsystem, const char *sysname,
		     const char *action)
{
	for (size_t i = 0; i < w->nr; i++)
		if (!strcmp(w->seen[i].subsystem, subsystem) &&
		    !strcmp(w->seen[i].sysname, sysname) && !strcmp(w->seen[i].action, action))
			return true;
	return false;
}

/* Every event waiting on the socket, into w->seen (an event with no room is dropped: the wait then times out). */
static void receive(struct uevents *w)
{
	struct udev_device *dev;

	while ((dev = udev_monitor_receive_device(w->mon))) {
		const char *subsystem = udev_device_get_subsystem(dev);
		const char *sysname = udev_device_get_sysname(dev);
		const char *action = udev_device_get_action(dev);
		struct seen *s;

		if (subsystem && sysname && action &&
		    !array_grow((void **)&w->seen, &w->cap, w->nr + 1, sizeof(*w->seen))) {
			s = &w->seen[w->nr++];
			snprintf(s->subsystem, sizeof(s->subsystem), "%s", subsystem);
			snprintf(s->sysname, sizeof(s->sysname), "%s", sysname);
			snprintf(s->action, sizeof(s->action), "%s", action);
		}
		udev_device_unref(dev);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int uevents_wait(struct uevents *w, const char *subsystem, const char *sysname,
		 const char *action, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = udev_monitor_get_fd(w->mon), .events = POLLIN };
		int64_t left;

		receive(w);
		if (seen_has(w, subsystem, sysname, action))
			return 0;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

void uevents_close(struct uevents *w)
{
	if (!w)
		return;
	udev_monitor_unref(w->mon);
	free(w->seen);
	free(w);
}
