// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The drain engine: wait until nothing holds the targets, fence, check
 * again, unbind. See include/daxpin/drain.h.
 *
 * The wait reacts within 100 ms of the last reference going: holder exits
 * wake it through their pidfds at once; page references, which raise no
 * event, are polled with an interval that starts at 5 ms after a change
 * and doubles while nothing changes, up to ten times what a page scan
 * costs (polling takes at most a tenth of a core), at least 10 ms and at
 * most 50 ms: a small device is polled every 10 ms, a large one less often.
 *
 * While pages are referenced, each holders scan also looks for the owners
 * of the references (lib/pages/owners.c: the processes whose pipes or io_uring
 * buffers hold them), so that the report names them and --force signals
 * them even when they no longer map or open the target. The page-state
 * program and the owners iterator are loaded once per drain: loading
 * costs seconds under emulation, a recheck milliseconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/drain.h>
#include <daxpin/owners.h>

#include "pages/devdax_entry_count.h"
#include "drain_internal.h"
#include "fence_lsm.h"
#include "drainlock.h"
#include "core/private.h"
#include "pages/pages_internal.h"

#define POLL_MIN_MS 5
#define POLL_FLOOR_MS 10
#define POLL_MAX_MS 50
#define POLL_COST_FACTOR 10
/* a progress event at least this often, for a live elapsed time */
#define PROGRESS_MS 1000
/* while page references alone keep a drain waiting, holders are rescanned this often */
#define HOLDERS_RESCAN_MS 1000
/* at most this many holder pidfds are polled for exits; the rest are seen by polling */
#define POLL_PIDFDS_MAX 64
/* how long a drain waits for a lock held by another process (drainlock.h) */
#define LOCK_WAIT_MS 200

DAXPIN_EXPORT int daxpin_drain_new(struct daxpin_ctx *ctx,
				   const struct daxpin_topology *topo,
				   struct daxpin_drain **out)
{
	struct daxpin_drain *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->ctx = ctx;
	d->topo = topo;
	*out = d;
	return 0;
}

static bool unit_known(const struct daxpin_drain *d, const char *name)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (strcmp(d->units[i].pub.name, name) == 0)
			return true;
	return false;
}

static struct unit *unit_push(struct daxpin_drain *d, const char *name)
{
	struct unit *u = array_push(&d->units, &d->nr_units, sizeof(*u));

	if (!u)
		return NULL;
	u->pub.name = name;
	u->lock_fd = -1;
	fence_init(&u->fence);
	return u;
}

/* What drain does not take out of service, and what to use instead. */
static int daxdev_check(struct daxpin_drain *d, const struct daxpin_daxdev *dev)
{
	switch (dev->driver) {
	case DAXPIN_DRIVER_NONE:
	case DAXPIN_DRIVER_DEVICE_DAX:
		break;
	case DAXPIN_DRIVER_KMEM:
		if (!dev->ranges_known) {
			drain_reason_set(d, "%s: its memory blocks are found from physical addresses, which the kernel shows to root only; run as root",
					 dev->dev);
			return -EPERM;
		}
		break;
	case DAXPIN_DRIVER_FSDEV_DAX:
		drain_reason_set(d, "%s is a famfs device (fsdev_dax): drain handles device-dax and namespaces only; unmount famfs and use 'daxctl disable-device %s'",
			   dev->dev, dev->dev);
		return -EOPNOTSUPP;
	case DAXPIN_DRIVER_OTHER:
		drain_reason_set(d, "%s is bound to driver %s, which drain does not know", dev->dev,
			   dev->driver_name);
		return -EOPNOTSUPP;
	}
	if (dev->driver != DAXPIN_DRIVER_NONE && !dev->ranges_known) {
		drain_reason_set(d, "%s: its physical addresses are shown to root only; run as root", dev->dev);
		return -EPERM;
	}
	return 0;
}

static int daxdev_add(struct daxpin_drain *d, const struct daxpin_daxdev *dev)
{
	struct unit *u;
	int rc = daxdev_check(d, dev);

	if (rc || unit_known(d, dev->dev))
		return rc;
	u = unit_push(d, dev->dev);
	if (!u)
		return -ENOMEM;
	u->pub.daxdev = dev;
	u->pub.ns = dev->ns;
	u->pub.state = dev->driver == DAXPIN_DRIVER_NONE ? DAXPIN_DRAIN_WAS_DISABLED :
							   DAXPIN_DRAIN_BOUND;
	/* system RAM's pages are the page allocator's: its blocks say what holds them */
	u->pub.has_pages = dev->driver != DAXPIN_DRIVER_KMEM;
	if (dev->driver == DAXPIN_DRIVER_KMEM) {
		rc = drain_sysram_add(d, u);
		if (rc)
			return rc;
	}
	rc = daxpin_target_add_daxdev(&u->target, dev);
	return rc ? rc : daxpin_owners_target_from(d->topo, &u->target, &u->pages);
}

static int namespace_check(struct daxpin_drain *d, const struct daxpin_namespace *ns)
{
	char mounts[512] = "";
	size_t len = 0;

	if (!ns->enabled)
		return 0;
	switch (ns->mode) {
	case DAXPIN_NS_MODE_FSDAX:
		break;
	case DAXPIN_NS_MODE_DEVDAX:
		for (size_t i = 0; i < ns->nr_daxdevs; i++) {
			int rc = daxdev_check(d, &ns->daxdevs[i]);

			if (rc)
				return rc;
		}
		return 0;
	default:
		drain_reason_set(d, "%s is a %s namespace: it has no DAX pages for drain to wait for; use 'ndctl disable-namespace %s'",
			   ns->dev, daxpin_ns_mode_name(ns->mode), ns->dev);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < ns->nr_mounts && len < sizeof(mounts); i++)
		len += (size_t)snprintf(mounts + len, sizeof(mounts) - len, "%s%s",
					i ? ", " : "", ns->mounts[i].target);
	if (ns->nr_mounts) {
		drain_reason_set(d, "%s (/dev/%s) is mounted on %s: unmount it first (drain then waits for the page references the filesystem leaves)",
			   ns->dev, ns->blockdev, mounts);
		return -EBUSY;
	}
	if (!ns->ranges_known) {
		drain_reason_set(d, "%s: its physical addresses are shown to root only; run as root", ns->dev);
		return -EPERM;
	}
	return 0;
}

static int namespace_add(struct daxpin_drain *d, const struct daxpin_namespace *ns)
{
	struct unit *u;
	int rc = namespace_check(d, ns);

	if (rc)
		return rc;
	/* its dax devices go first: they are unbound before the namespace */
	for (size_t i = 0; ns->enabled && i < ns->nr_daxdevs; i++) {
		rc = daxdev_add(d, &ns->daxdevs[i]);
		if (rc)
			return rc;
	}
	if (unit_known(d, ns->dev))
		return 0;
	u = unit_push(d, ns->dev);
	if (!u)
		return -ENOMEM;
	u->pub.ns = ns;
	u->pub.state = ns->enabled ? DAXPIN_DRAIN_BOUND : DAXPIN_DRAIN_WAS_DISABLED;
	/* a devdax namespace's pages and holders are its devices' */
	u->pub.has_pages = ns->mode == DAXPIN_NS_MODE_FSDAX;
	if (!u->pub.has_pages)
		return 0;
	rc = daxpin_target_add_namespace(&u->target, ns);
	return rc ? rc : daxpin_owners_target_from(d->topo, &u->target, &u->pages);
}

DAXPIN_EXPORT int daxpin_drain_add(struct daxpin_drain *d, const struct daxpin_object *obj)
{
	int rc = 0;

	if (obj->daxdev)
		return daxdev_add(d, obj->daxdev);
	if (obj->ns)
		return namespace_add(d, obj->ns);
	/* validate the whole region before taking any of it */
	for (size_t i = 0; i < obj->region->nr_namespaces && !rc; i++)
		rc = namespace_check(d, &obj->region->namespaces[i]);
	for (size_t i = 0; i < obj->region->nr_namespaces && !rc; i++)
		rc = namespace_add(d, &obj->region->namespaces[i]);
	return rc ? rc : drain_region_add(d, obj->region);
}

/*
 * Sleeps up to wait_ms, waking at once when a holder exits or the wait is
 * cancelled. Returns 1 if a holder exited, 0, or -EINTR when cancelled.
 */
static int sleep_for_change(const struct daxpin_drain *d,
			    const struct daxpin_drain_options *o, int wait_ms)
{
	struct pollfd pfds[1 + POLL_PIDFDS_MAX];
	nfds_t n = 0;
	int rc;

	if (o->cancel_fd >= 0)
		pfds[n++] = (struct pollfd){ .fd = o->cancel_fd, .events = POLLIN };
	for (size_t i = 0; d->holders && i < d->holders->nr_procs && n < 1 + POLL_PIDFDS_MAX; i++)
		if (d->holders->procs[i].pidfd >= 0)
			pfds[n++] = (struct pollfd){ .fd = d->holders->procs[i].pidfd,
						     .events = POLLIN };
	rc = poll(pfds, n, wait_ms);
	if (rc <= 0)
		return 0;
	if (o->cancel_fd >= 0 && pfds[0].revents)
		return -EINTR;
	return 1;
}

static int lock_all(struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++) {
		struct unit *u = &d->units[i];

		if (!drain_unit_active(u))
			continue;
		u->lock_fd = drain_lock(u->pub.name, LOCK_WAIT_MS, &d->lock_holder);
		if (u->lock_fd == -EWOULDBLOCK) {
			drain_reason_set(d, "another drain of %s is running (pid %d); nothing was changed",
				   u->pub.name, (int)d->lock_holder);
			return -EBUSY;
		}
		if (u->lock_fd < 0) {
			drain_reason_set(d, "cannot lock /run/daxpin/drain-%s.lock: %s",
				   u->pub.name, strerror(-u->lock_fd));
			return u->lock_fd;
		}
	}
	return 0;
}

static int pagestate_open(struct daxpin_drain *d)
{
	int rc = daxpin_pagestate_open(d->ctx, &d->ps);

	if (rc < 0)
		drain_reason_set(d, "page state unavailable: %s",
			   d->ps ? daxpin_pagestate_reason(d->ps) : strerror(-rc));
	return rc;
}

static bool any_active(const struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (drain_unit_active(&d->units[i]))
			return true;
	return false;
}

static int wait_ms_next(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
			int interval)
{
	int64_t wait = interval, kill = drain_next_kill_ms(d, o);

	if (kill >= 0 && kill < wait)
		wait = kill;
	if (o->timeout_ms) {
		int64_t left = (int64_t)o->timeout_ms - (int64_t)drain_elapsed_ms(d);

		if (left < wait)
			wait = left < 0 ? 0 : left;
	}
	return (int)wait;
}

/* The next poll interval while nothing changes (see the top of the file). */
static int interval_backoff(const struct daxpin_drain *d, int interval)
{
	uint64_t cap = d->scan_us * POLL_COST_FACTOR / 1000;

	if (cap < POLL_FLOOR_MS)
		cap = POLL_FLOOR_MS;
	if (cap > POLL_MAX_MS)
		cap = POLL_MAX_MS;
	return (uint64_t)interval * 2 > cap ? (int)cap : interval * 2;
}

static int drain_wait(struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	struct check c, last = { .holders = SIZE_MAX };
	bool holders_due = true, rescan = false;
	int interval = POLL_MIN_MS, rc;
	uint64_t emitted_ms = 0;

	for (;;) {
		if (drain_cancelled(o)) {
			drain_reason_set(d, "interrupted; nothing was changed");
			return -EINTR;
		}
		rc = drain_check(d, holders_due, &c);
		if (rc < 0)
			return rc;
		/*
		 * Pages clean and nobody held the targets at the last holders
		 * scan: straight to the fenced check, which scans holders itself.
		 * If somebody did, look again before fencing them out.
		 */
		if (!holders_due && !drain_pages_busy(&c.pages) && c.holders) {
			holders_due = true;
			continue;
		}
		/* the pages' owners may have changed with them */
		rescan |= !drain_same_pages(&c, &last);
		if (!drain_same_check(&c, &last))
			interval = POLL_MIN_MS;
		else
			interval = interval_backoff(d, interval);
		if (!drain_same_check(&c, &last))
			dbg(d->ctx, "check at %" PRIu64 " ms: %zu holders, %" PRIu64 " refs\n",
			    drain_elapsed_ms(d), c.holders, c.pages.refs);
		if (!drain_same_check(&c, &last) || drain_elapsed_ms(d) - emitted_ms >= PROGRESS_MS) {
			drain_emit_check(d, o, &c);
			emitted_ms = drain_elapsed_ms(d);
		}
		last = c;
		if (drain_check_clean(&c)) {
			if (o->flags & DAXPIN_DRAIN_DRY_RUN)
				return 0;
			rc = drain_fenced_unbind(d, o, &c);
			if (rc != -EAGAIN)
				return rc;
			drain_emit_check(d, o, &c);
			last = c;
			interval = POLL_MIN_MS;
			rescan = true;	/* the fenced scan did not look for owners */
		} else if (o->flags & DAXPIN_DRAIN_DRY_RUN) {
			drain_reason_set(d, "busy; nothing was changed");
			return -EBUSY;
		}
		if (o->flags & DAXPIN_DRAIN_FORCE) {
			rc = drain_force(d, o, &c);
			if (rc < 0)
				return rc;
		}
		if (o->timeout_ms && drain_elapsed_ms(d) >= o->timeout_ms) {
			drain_reason_set(d, "timed out after %.1f s; nothing was changed",
				   o->timeout_ms / 1000.0);
			return -ETIMEDOUT;
		}
		rc = sleep_for_change(d, o, wait_ms_next(d, o, interval));
		if (rc == -EINTR) {
			drain_reason_set(d, "interrupted; nothing was changed");
			return rc;
		}
		/*
		 * Holders are rescanned after an exit, while some map or open a
		 * target (they may let go without exiting), after the pages
		 * changed, and now and then; reference owners that keep their
		 * pages are not rescanned for, their pipes are watched through
		 * the page state.
		 */
		holders_due = rc > 0 || c.openers || rescan || !c.holders_complete ||
			      drain_elapsed_ms(d) - d->holders_ms >= HOLDERS_RESCAN_MS;
		rescan = false;
		if (rc > 0)
			interval = POLL_MIN_MS;
	}
}

static bool any_daxdev(const struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (drain_unit_active(&d->units[i]) && d->units[i].pub.daxdev)
			return true;
	return false;
}

/*
 * The LSM fence where the kernel runs it, loaded before the wait (0.4 s
 * under emulation, 7.2), not behind the fence; else device-dax nodes are
 * renamed.
 */
static void fence_open(struct daxpin_drain *d)
{
	const char *choice = secure_getenv("DAXPIN_FENCE");
	int rc;

	if (!any_daxdev(d))
		return;
	if (choice && strcmp(choice, "rename") == 0) {
		snprintf(d->fence_reason, sizeof(d->fence_reason), "DAXPIN_FENCE=rename");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &d->start);	/* for the log; the run restarts it */
	rc = fence_lsm_open(d->ctx, &d->lsm, d->fence_reason, sizeof(d->fence_reason));
	dbg(d->ctx, "LSM fence loaded in %" PRIu64 " ms: %s\n", drain_elapsed_ms(d),
	    rc < 0 ? strerror(-rc) : "works");
	if (rc < 0)
		info(d->ctx, "fencing device-dax nodes by renaming them: %s\n", d->fence_reason);
}

DAXPIN_EXPORT int daxpin_drain_run(struct daxpin_drain *d,
				   const struct daxpin_drain_options *o)
{
	int rc;

	/* before the clock: loading is not waiting, and --timeout is for waiting */
	if (!(o->flags & DAXPIN_DRAIN_DRY_RUN) && any_active(d))
		fence_open(d);
	clock_gettime(CLOCK_MONOTONIC, &d->start);
	if (!any_active(d))
		return 0;
	rc = pagestate_open(d);
	if (rc < 0)
		return rc;
	if (!(o->flags & DAXPIN_DRAIN_DRY_RUN)) {
		/* without the count, the fenced check scans the processes again */
		if (drain_only_devdax(d))
			devdax_entry_count_open(d->ctx, &d->entries);
		rc = lock_all(d);
		if (rc < 0)
			return rc;
		rc = drain_sysram_offline(d, o);
	} else {
		rc = drain_sysram_dry_run(d, o);
	}
	if (rc == 0)
		rc = drain_wait(d, o);
	/* a drain that did not finish leaves system RAM online as it found it */
	if (rc < 0 && !(o->flags & DAXPIN_DRAIN_DRY_RUN)) {
		int restored = drain_sysram_restore(d, o);

		if (restored < 0)
			rc = restored;
	}
	if (rc == 0)
		drain_sysram_done(d);
	return rc;
}

DAXPIN_EXPORT const char *daxpin_drain_reason(const struct daxpin_drain *d)
{
	return d->reason[0] ? d->reason : NULL;
}

DAXPIN_EXPORT pid_t daxpin_drain_lock_holder(const struct daxpin_drain *d)
{
	return d->lock_holder;
}

DAXPIN_EXPORT enum daxpin_drain_fence daxpin_drain_fence(const struct daxpin_drain *d)
{
	return d->fence;
}

DAXPIN_EXPORT const char *daxpin_drain_fence_reason(const struct daxpin_drain *d)
{
	return d->fence == DAXPIN_DRAIN_FENCE_RENAME && d->fence_reason[0] ? d->fence_reason : NULL;
}

DAXPIN_EXPORT size_t daxpin_drain_get_nr_objects(const struct daxpin_drain *d)
{
	return d->nr_units;
}

DAXPIN_EXPORT const struct daxpin_drain_object *
daxpin_drain_get_object(const struct daxpin_drain *d, size_t i)
{
	return i < d->nr_units ? &d->units[i].pub : NULL;
}

DAXPIN_EXPORT void daxpin_drain_free(struct daxpin_drain *d)
{
	if (!d)
		return;
	drain_fences_lift(d);
	for (size_t i = 0; i < d->nr_units; i++) {
		daxpin_target_clear(&d->units[i].target);
		daxpin_owners_target_clear(&d->units[i].pages);
		drain_unlock(d->units[i].lock_fd);
	}
	for (size_t i = 0; i < d->nr_signalled; i++)
		close(d->signalled[i].pidfd);
	free(d->signalled);
	for (size_t i = 0; i < d->nr_units; i++)
		drain_sysram_free(&d->units[i]);
	free(d->units);
	free(d->regions);
	daxpin_holders_free(d->holders);
	daxpin_pagestate_close(d->ps);
	owners_scanner_close(d->owners);
	devdax_entry_count_close(d->entries);
	fence_lsm_close(d->lsm);
	free(d);
}
