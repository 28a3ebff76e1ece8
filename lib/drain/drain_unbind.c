// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fence, the last check behind it, the unbind and its verification. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pages/devdax_entry_count.h"
#include "fence_lsm.h"
#include "drain_internal.h"
#include "core/private.h"
#include "events/uevents.h"
#include "unbind.h"

/* Whether the fence just raised covers a device-dax device. */
static bool any_fenced_daxdev(const struct daxpin_drain *d, size_t nr_lsm)
{
	for (size_t i = 0; i < d->nr_units && !nr_lsm; i++)
		if (d->units[i].fence.path)
			return true;
	return nr_lsm > 0;
}

/* Restores every fenced node; the first error, if any. */
int drain_fences_lift(struct daxpin_drain *d)
{
	int rc = 0;

	fence_lsm_lift(d->lsm);
	for (size_t i = 0; i < d->nr_units; i++) {
		int r = fence_lift(&d->units[i].fence);

		if (r < 0) {
			err(d->ctx, "cannot restore the device node of %s: %s\n",
			    d->units[i].pub.name, strerror(-r));
			if (!rc)
				rc = r;
		}
	}
	return rc;
}

/*
 * Device-dax devices behind the LSM fence, all at once, or their nodes
 * renamed; block devices opened exclusively.
 */
static int fences_raise(struct daxpin_drain *d)
{
	dev_t *devs = calloc(d->nr_units, sizeof(*devs));
	size_t nr_devs = 0;
	int rc = devs ? 0 : -ENOMEM;

	for (size_t i = 0; i < d->nr_units && rc == 0; i++) {
		struct unit *u = &d->units[i];

		/* system RAM is offline by now: no node, no page, nothing to fence */
		if (!drain_unit_active(u) || u->sysram)
			continue;
		if (u->pub.daxdev && d->lsm)
			devs[nr_devs++] = makedev(u->pub.daxdev->major, u->pub.daxdev->minor);
		else if (u->pub.daxdev)
			rc = fence_chardev(&u->fence, u->pub.daxdev->dev,
					   u->pub.daxdev->major, u->pub.daxdev->minor);
		else if (u->pub.has_pages && u->pub.ns->blockdev)
			rc = fence_blockdev(&u->fence, u->pub.ns->blockdev);
	}
	if (rc == 0 && nr_devs)
		rc = fence_lsm_raise(d->lsm, devs, nr_devs);
	free(devs);
	if (rc == 0 && any_fenced_daxdev(d, nr_devs))
		d->fence = d->lsm ? DAXPIN_DRAIN_FENCE_LSM : DAXPIN_DRAIN_FENCE_RENAME;
	return rc;
}

/* Unbound as the kernel and udev see it (unbind_verify_*()). */
static int unit_verify(struct daxpin_drain *d, struct uevents *w, const struct unit *u)
{
	char why[256];
	int rc = u->pub.daxdev ? unbind_verify_daxdev(w, u->pub.daxdev, why, sizeof(why)) :
				 unbind_verify_namespace(w, u->pub.ns, why, sizeof(why));

	if (rc == 0 && u->sysram)
		rc = drain_sysram_verify(u, why, sizeof(why));

	if (rc < 0)
		drain_reason_set(d, "%s is disabled, but the unbind is not confirmed: %s", u->pub.name, why);
	/* a failure, not a timeout: the drain's own wait was over */
	return rc < 0 ? -EIO : 0;
}

/* Unbinds every active target, confirming each through the events of w. */
static int unbind_all(struct daxpin_drain *d, const struct daxpin_drain_options *o,
		      struct uevents *w)
{
	int rc = 0;

	for (size_t i = 0; i < d->nr_units && rc == 0; i++) {
		struct unit *u = &d->units[i];
		struct daxpin_drain_event ev = { .kind = DAXPIN_DRAIN_DISABLED,
						 .object = u->pub.name };
		uint64_t unbind_ms = drain_elapsed_ms(d);

		if (!drain_unit_active(u))
			continue;
		if (u->pub.daxdev) {
			rc = unbind_daxdev(d->ctx, u->pub.daxdev);
		} else {
			/* ndctl checks the exclusive claim itself */
			fence_release_blockdev(&u->fence);
			rc = unbind_namespace(d->ctx, u->pub.ns);
		}
		if (rc == -ENODEV && u->pub.daxdev) {
			char now[64];

			daxdev_driver_now(u->pub.name, now, sizeof(now));
			drain_reason_set(d, "%s was bound to %s when the drain began and is bound to %s now: another tool reconfigured it while the drain ran; the drain did not unbind it",
					 u->pub.name, u->pub.daxdev->driver_name, now);
			break;
		}
		if (rc < 0) {
			drain_reason_set(d, "cannot disable %s: %s", u->pub.name, strerror(-rc));
			break;
		}
		u->pub.state = DAXPIN_DRAIN_UNBOUND;
		/* the node of an unbound device stays while the device exists */
		if (u->pub.daxdev) {
			rc = fence_lift(&u->fence);
			if (rc < 0) {
				drain_reason_set(d, "%s is disabled, but its node /dev/%s could not be restored: %s",
					   u->pub.name, u->pub.name, strerror(-rc));
				break;
			}
		}
		dbg(d->ctx, "%s: unbound in %" PRIu64 " ms\n", u->pub.name, drain_elapsed_ms(d) - unbind_ms);
		rc = unit_verify(d, w, u);
		ev.verify_ms = drain_elapsed_ms(d) - unbind_ms;
		if (rc == 0)
			drain_emit(d, o, &ev);
	}
	return rc;
}

/*
 * Whether a process may have come to hold a target since the last holders
 * scan began (which found nobody, or there would be no fenced check): not
 * if every target is a device-dax device and no device-dax device was
 * opened or faulted since. Otherwise only a new scan can tell.
 */
bool drain_only_devdax(const struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (drain_unit_active(&d->units[i]) && !d->units[i].pub.daxdev)
			return false;
	return true;
}

static bool holders_may_have_changed(const struct daxpin_drain *d)
{
	return !drain_only_devdax(d) || !d->entries ||
	       devdax_entry_count_read(d->entries) != d->entries_at_holders;
}

/*
 * The last check, behind the fence: after the fence nothing new can open
 * a target by its name, so a holders scan that finds nobody means nobody
 * can take a page reference any more, and the page scan after it sees
 * every reference that is left. Where device-dax entries are counted
 * (lib/pages/devdax_entry_count.c), an unchanged count stands in for the scan,
 * and covers every node of the device, not only its name in /dev; it is
 * read once more after the page scan, so that nothing entered the device
 * until just before the unbind. Returns 0 when unbound, -EAGAIN when
 * something was found (fence lifted, the wait goes on), or a negative
 * errno.
 */
int drain_fenced_unbind(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			 struct check *c)
{
	struct daxpin_drain_event raced = { .kind = DAXPIN_DRAIN_RACED };
	uint64_t fenced_ms, scanned_ms;
	struct uevents *w = NULL;
	bool counted;
	int rc, lifted;

	/* watched from before the last check, so that only the unbind follows it */
	rc = uevents_open(d->ctx, &w);
	if (rc < 0) {
		drain_reason_set(d, "cannot watch device events to confirm the unbind: %s; nothing was changed",
			   strerror(-rc));
		return rc;
	}
	rc = fences_raise(d);
	if (rc == -EBUSY) {
		/* a block device claimed (mounted) since the targets were validated */
		drain_emit(d, o, &raced);
		rc = -EAGAIN;
		goto lift;
	}
	if (rc < 0)
		drain_reason_set(d, "cannot fence the device nodes: %s", strerror(-rc));
	if (rc < 0)
		goto lift;
	dbg(d->ctx, "fence up (%s)\n", d->fence == DAXPIN_DRAIN_FENCE_LSM ? "lsm" :
					d->fence == DAXPIN_DRAIN_FENCE_RENAME ? "rename" : "blockdev");
	fenced_ms = drain_elapsed_ms(d);
	counted = !holders_may_have_changed(d);
	rc = counted ? 0 : drain_holders_scan(d, false);
	scanned_ms = drain_elapsed_ms(d);
	if (rc == 0)
		rc = drain_check(d, false, c);
	dbg(d->ctx, "fenced check: holders %" PRIu64 " ms%s, pages %" PRIu64 " ms\n",
	    scanned_ms - fenced_ms, counted ? " (no device-dax entries since the last scan)" : "",
	    drain_elapsed_ms(d) - scanned_ms);
	if (rc == 0 && drain_cancelled(o))
		rc = -EINTR;
	/* a device entered since the last holders scan began may be held now */
	if (rc == 0 && (!drain_check_clean(c) || (d->entries && holders_may_have_changed(d)))) {
		drain_emit(d, o, &raced);
		rc = -EAGAIN;
	}
	if (rc == 0)
		rc = drain_regions_unchanged(d);
	if (rc == 0)
		rc = unbind_all(d, o, w);
	/* after a failed unbind, put back the nodes of what is still bound */
lift:
	lifted = drain_fences_lift(d);
	uevents_close(w);
	return rc == -EAGAIN && lifted < 0 ? lifted : rc;
}
