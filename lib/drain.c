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
 * of the references (lib/owners.c: the processes whose pipes or io_uring
 * buffers hold them), so that the report names them and --force signals
 * them even when they no longer map or open the target. The page-state
 * program and the owners iterator are loaded once per drain: loading
 * costs seconds under emulation, a recheck milliseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/drain.h>
#include <daxpin/owners.h>

#include "drainlock.h"
#include "fence.h"
#include "private.h"
#include "uevents.h"
#include "unbind.h"

#define POLL_MIN_MS 5
#define POLL_FLOOR_MS 10
#define POLL_MAX_MS 50
#define POLL_COST_FACTOR 10
/* a progress event at least this often, for a live elapsed time */
#define PROGRESS_MS 1000
/* while page references alone keep a drain waiting, holders are rescanned this often */
#define HOLDERS_RESCAN_MS 1000
#define HOLDERS_SCAN_TIMEOUT_MS 10000
/* at most this many holder pidfds are polled for exits; the rest are seen by polling */
#define POLL_PIDFDS_MAX 64

struct unit {
	struct daxpin_drain_object pub;
	struct daxpin_target target;
	struct daxpin_owners_target pages;	/* for the owners scan */
	int lock_fd;
	struct fence fence;
};

/* A process --force signalled, by pidfd only. */
struct signalled {
	pid_t pid;
	int pidfd;
	char comm[64];
	unsigned int access;	/* how it held the targets */
	uint64_t term_ms;	/* when SIGTERM went */
	bool killed;
};

struct daxpin_drain {
	struct daxpin_ctx *ctx;
	const struct daxpin_topology *topo;
	struct unit *units;
	size_t nr_units;
	struct daxpin_pagestate *ps;
	struct owners_scanner *owners;	/* loaded at the first referenced page */
	struct daxpin_holders *holders;	/* the last scan */
	uint64_t holders_ms;		/* when it was taken */
	struct signalled *signalled;
	size_t nr_signalled;
	struct timespec start;
	uint64_t scan_us;		/* what the last page scan of all targets cost */
	pid_t lock_holder;
	char reason[1024];
};

/* What one check found, summed over the targets. */
struct check {
	size_t holders;		/* processes holding a target (proc_access()) */
	size_t openers;		/* of them, those that map or open one */
	bool holders_complete;
	struct daxpin_page_counts pages;
};

/* The access of a reference owner, as opposed to mapping or opening. */
#define ACCESS_OWNER (DAXPIN_ACCESS_PIPE | DAXPIN_ACCESS_IO_URING | DAXPIN_ACCESS_RDMA_HINT | \
		      DAXPIN_ACCESS_VFIO_HINT)

__attribute__((format(printf, 2, 3)))
static void reason_set(struct daxpin_drain *d, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, args);
	va_end(args);
}

static uint64_t elapsed_us(const struct daxpin_drain *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - d->start.tv_sec) * 1000000 +
	       (uint64_t)((now.tv_nsec - d->start.tv_nsec) / 1000);
}

static uint64_t elapsed_ms(const struct daxpin_drain *d)
{
	return elapsed_us(d) / 1000;
}

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
	struct unit *grown = realloc(d->units, (d->nr_units + 1) * sizeof(*grown));
	struct unit *u;

	if (!grown)
		return NULL;
	d->units = grown;
	u = &grown[d->nr_units++];
	memset(u, 0, sizeof(*u));
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
		reason_set(d, "%s is system-ram (kmem): its pages belong to the page allocator and drain cannot see who uses them; offline it with 'daxctl offline-memory %s' first",
			   dev->dev, dev->dev);
		return -EOPNOTSUPP;
	case DAXPIN_DRIVER_FSDEV_DAX:
		reason_set(d, "%s is a famfs device (fsdev_dax): drain handles device-dax and namespaces only; unmount famfs and use 'daxctl disable-device %s'",
			   dev->dev, dev->dev);
		return -EOPNOTSUPP;
	case DAXPIN_DRIVER_OTHER:
		reason_set(d, "%s is bound to driver %s, which drain does not know", dev->dev,
			   dev->driver_name);
		return -EOPNOTSUPP;
	}
	if (dev->driver != DAXPIN_DRIVER_NONE && !dev->ranges_known) {
		reason_set(d, "%s: its physical addresses are shown to root only; run as root", dev->dev);
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
	u->pub.has_pages = true;
	u->pub.state = dev->driver == DAXPIN_DRIVER_NONE ? DAXPIN_DRAIN_WAS_DISABLED :
							   DAXPIN_DRAIN_BOUND;
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
		reason_set(d, "%s is a %s namespace: it has no DAX pages for drain to wait for; use 'ndctl disable-namespace %s'",
			   ns->dev, daxpin_ns_mode_name(ns->mode), ns->dev);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < ns->nr_mounts && len < sizeof(mounts); i++)
		len += (size_t)snprintf(mounts + len, sizeof(mounts) - len, "%s%s",
					i ? ", " : "", ns->mounts[i].target);
	if (ns->nr_mounts) {
		reason_set(d, "%s (/dev/%s) is mounted on %s: unmount it first (drain then waits for the page references the filesystem leaves)",
			   ns->dev, ns->blockdev, mounts);
		return -EBUSY;
	}
	if (!ns->ranges_known) {
		reason_set(d, "%s: its physical addresses are shown to root only; run as root", ns->dev);
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
	return rc;
}

static bool unit_active(const struct unit *u)
{
	return u->pub.state == DAXPIN_DRAIN_BOUND;
}

static void emit(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 struct daxpin_drain_event *ev)
{
	ev->elapsed_ms = elapsed_ms(d);
	if (o->progress)
		o->progress(ev, o->arg);
}

/*
 * The owners of the page references of every active target, made holders
 * of h. The iterator is loaded at the first call and kept.
 */
static int owners_add(struct daxpin_drain *d, struct daxpin_holders *h)
{
	struct daxpin_owners_target *targets;
	struct daxpin_owners *o = NULL;
	int rc = 0;

	if (!d->owners)
		rc = owners_scanner_open(d->ctx, &d->owners);
	if (rc == -ENOMEM)
		return rc;
	targets = calloc(d->nr_units, sizeof(*targets));
	if (!targets)
		return -ENOMEM;
	/* disabled units take part with no pages, so targets[i] stays units[i] */
	for (size_t i = 0; i < d->nr_units; i++)
		if (unit_active(&d->units[i]))
			targets[i] = d->units[i].pages;
	rc = owners_scanner_run(d->owners, d->ps, targets, d->nr_units, &o);
	free(targets);
	return rc ? rc : daxpin_holders_add_owners(h, o);
}

static int holders_scan(struct daxpin_drain *d, bool with_owners)
{
	struct daxpin_target *targets = calloc(d->nr_units, sizeof(*targets));
	struct daxpin_holders *h = NULL;
	int rc;

	if (!targets)
		return -ENOMEM;
	/* disabled units take part with no keys, so targets[i] stays units[i] */
	for (size_t i = 0; i < d->nr_units; i++)
		if (unit_active(&d->units[i]))
			targets[i] = d->units[i].target;
	/*
	 * /proc, not BPF iterators: a drain scans again and again, and the
	 * /proc scan costs no program load (seconds under emulation)
	 */
	rc = daxpin_holders_scan(d->ctx, targets, d->nr_units, HOLDERS_SCAN_TIMEOUT_MS,
				 DAXPIN_HOLDERS_NO_BPF, &h);
	free(targets);
	if (rc == 0 && with_owners)
		rc = owners_add(d, h);
	if (rc < 0) {
		daxpin_holders_free(h);
		reason_set(d, "cannot scan the processes: %s", strerror(-rc));
		return rc;
	}
	daxpin_holders_free(d->holders);
	d->holders = h;
	d->holders_ms = elapsed_ms(d);
	for (size_t i = 0; i < d->nr_units; i++) {
		d->units[i].pub.holders = &h->targets[i];
		d->units[i].pub.owners_reason = !h->owners ? NULL :
			h->owners->reason;
	}
	return 0;
}

static int pages_scan(struct daxpin_drain *d, struct unit *u)
{
	const struct daxpin_daxdev *dev = u->pub.daxdev;
	int rc;

	if (dev)
		rc = daxpin_pagestate_scan(d->ps, dev->ranges, dev->nr_ranges,
					   DAXPIN_PAGE_DEVDAX, &u->pub.pages);
	else
		rc = daxpin_pagestate_scan(d->ps, u->pub.ns->ranges, u->pub.ns->nr_ranges,
					   DAXPIN_PAGE_FSDAX, &u->pub.pages);
	if (rc < 0)
		reason_set(d, "cannot read the page state of %s: %s", u->pub.name, strerror(-rc));
	return rc;
}

static bool pages_busy(const struct daxpin_page_counts *c)
{
	return c->refs || c->pinned_pages || c->mapped_pages;
}

/*
 * How p holds the active targets, by the last holders scan. A reference
 * owner holds them only while pages are referenced: once none is, its pipe
 * or ring holds none of them, whatever it held when the owners were looked
 * for.
 */
static unsigned int proc_access(const struct daxpin_drain *d, const struct daxpin_process *p,
				bool referenced)
{
	unsigned int access = 0;

	for (size_t i = 0; i < d->nr_units; i++) {
		const struct daxpin_target_holders *th = d->units[i].pub.holders;

		if (!unit_active(&d->units[i]) || !th)
			continue;
		for (size_t j = 0; j < th->nr_holders; j++)
			if (th->holders[j].proc == p)
				access |= th->holders[j].access;
	}
	return referenced ? access : access & ~ACCESS_OWNER;
}

static void holders_count(const struct daxpin_drain *d, bool referenced, struct check *c)
{
	for (size_t i = 0; d->holders && i < d->holders->nr_procs; i++) {
		unsigned int access = proc_access(d, &d->holders->procs[i], referenced);

		c->holders += access != 0;
		c->openers += (access & ~ACCESS_OWNER) != 0;
	}
	c->holders_complete = d->holders && d->holders->complete;
}

/*
 * One look at every active target: page state always, holders when asked
 * (the last scan's are kept otherwise), with the owners of the references
 * while there are any.
 */
static int check(struct daxpin_drain *d, bool with_holders, struct check *c)
{
	uint64_t start_us = elapsed_us(d);
	int rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < d->nr_units; i++) {
		struct unit *u = &d->units[i];

		if (!unit_active(u) || !u->pub.has_pages)
			continue;
		rc = pages_scan(d, u);
		if (rc < 0)
			return rc;
		u->pub.checked = true;
		daxpin_page_counts_add(&c->pages, &u->pub.pages);
	}
	d->scan_us = elapsed_us(d) - start_us;
	if (with_holders) {
		rc = holders_scan(d, pages_busy(&c->pages));
		if (rc < 0)
			return rc;
	}
	holders_count(d, pages_busy(&c->pages), c);
	return 0;
}

static bool check_clean(const struct check *c)
{
	return c->holders_complete && !c->holders && !pages_busy(&c->pages);
}

static bool same_pages(const struct check *a, const struct check *b)
{
	return a->pages.refs == b->pages.refs &&
	       a->pages.referenced_pages == b->pages.referenced_pages &&
	       a->pages.pinned_pages == b->pages.pinned_pages &&
	       a->pages.mapped_pages == b->pages.mapped_pages;
}

static bool same_check(const struct check *a, const struct check *b)
{
	return a->holders == b->holders && same_pages(a, b);
}

static void emit_check(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		       const struct check *c)
{
	struct daxpin_drain_event ev = {
		.kind = DAXPIN_DRAIN_CHECKED,
		.holders = c->holders,
		.holders_complete = c->holders_complete,
		.pages = &c->pages,
	};

	emit(d, o, &ev);
}

static struct signalled *signalled_find(struct daxpin_drain *d, pid_t pid)
{
	for (size_t i = 0; i < d->nr_signalled; i++)
		if (d->signalled[i].pid == pid)
			return &d->signalled[i];
	return NULL;
}

static void signal_send(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			struct signalled *s, int signo)
{
	struct daxpin_drain_event ev = {
		.kind = DAXPIN_DRAIN_SIGNALLED,
		.pid = s->pid,
		.comm = s->comm,
		.signo = signo,
		.access = s->access,
	};

	/* ESRCH: it exited meanwhile, which is what the signal was for */
	if (pidfd_send_signal(s->pidfd, signo, NULL, 0) < 0) {
		if (errno != ESRCH)
			err(d->ctx, "cannot signal %d (%s): %s\n", s->pid, s->comm,
			    strerror(errno));
		return;
	}
	emit(d, o, &ev);
}

/*
 * --force: SIGTERM to every holder not yet signalled, reference owners
 * included; SIGKILL once its grace is over.
 */
static int force(struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 const struct check *c)
{
	uint64_t now = elapsed_ms(d);

	for (size_t i = 0; d->holders && i < d->holders->nr_procs; i++) {
		const struct daxpin_process *p = &d->holders->procs[i];
		unsigned int access = proc_access(d, p, pages_busy(&c->pages));
		struct signalled *grown, *s;

		/* never by a bare pid: it may be reused by the time the signal goes */
		if (!access || p->pidfd < 0 || p->pid == getpid() || signalled_find(d, p->pid))
			continue;
		grown = realloc(d->signalled, (d->nr_signalled + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		d->signalled = grown;
		s = &grown[d->nr_signalled];
		*s = (struct signalled){ .pid = p->pid, .access = access, .term_ms = now };
		s->pidfd = fcntl(p->pidfd, F_DUPFD_CLOEXEC, 0);
		if (s->pidfd < 0)
			return -errno;
		snprintf(s->comm, sizeof(s->comm), "%s", p->comm);
		d->nr_signalled++;
		signal_send(d, o, s, SIGTERM);
	}
	for (size_t i = 0; i < d->nr_signalled; i++) {
		struct signalled *s = &d->signalled[i];
		struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };

		if (s->killed || now < s->term_ms + o->grace_ms)
			continue;
		s->killed = true;
		/* a readable pidfd: it has exited */
		if (poll(&pfd, 1, 0) == 0)
			signal_send(d, o, s, SIGKILL);
	}
	return 0;
}

/* How long until the next SIGKILL is due, or -1 */
static int64_t next_kill_ms(const struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	int64_t next = -1, now = (int64_t)elapsed_ms(d);

	for (size_t i = 0; i < d->nr_signalled; i++) {
		int64_t due = (int64_t)(d->signalled[i].term_ms + o->grace_ms) - now;

		if (d->signalled[i].killed)
			continue;
		if (due < 0)
			due = 0;
		if (next < 0 || due < next)
			next = due;
	}
	return next;
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

static bool cancelled(const struct daxpin_drain_options *o)
{
	struct pollfd pfd = { .fd = o->cancel_fd, .events = POLLIN };

	return o->cancel_fd >= 0 && poll(&pfd, 1, 0) > 0;
}

static int lock_all(struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++) {
		struct unit *u = &d->units[i];

		if (!unit_active(u))
			continue;
		u->lock_fd = drain_lock(u->pub.name, &d->lock_holder);
		if (u->lock_fd == -EWOULDBLOCK) {
			reason_set(d, "another drain of %s is running (pid %d); nothing was changed",
				   u->pub.name, (int)d->lock_holder);
			return -EBUSY;
		}
		if (u->lock_fd < 0) {
			reason_set(d, "cannot lock /run/daxpin/drain-%s.lock: %s",
				   u->pub.name, strerror(-u->lock_fd));
			return u->lock_fd;
		}
	}
	return 0;
}

/* Restores every fenced node; the first error, if any. */
static int fences_lift(struct daxpin_drain *d)
{
	int rc = 0;

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

static int fences_raise(struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++) {
		struct unit *u = &d->units[i];
		int rc = 0;

		if (!unit_active(u))
			continue;
		if (u->pub.daxdev)
			rc = fence_chardev(&u->fence, u->pub.daxdev->dev,
					   u->pub.daxdev->major, u->pub.daxdev->minor);
		else if (u->pub.has_pages && u->pub.ns->blockdev)
			rc = fence_blockdev(&u->fence, u->pub.ns->blockdev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Unbound as the kernel and udev see it (unbind_verify_*()). */
static int unit_verify(struct daxpin_drain *d, struct uevents *w, const struct unit *u)
{
	char why[256];
	int rc = u->pub.daxdev ? unbind_verify_daxdev(w, u->pub.daxdev, why, sizeof(why)) :
				 unbind_verify_namespace(w, u->pub.ns, why, sizeof(why));

	if (rc < 0)
		reason_set(d, "%s is disabled, but the unbind is not confirmed: %s", u->pub.name, why);
	/* a failure, not a timeout: the drain's own wait was over */
	return rc < 0 ? -EIO : 0;
}

static int unbind_all(struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	struct uevents *w = NULL;
	int rc = uevents_open(d->ctx, &w);

	if (rc < 0) {
		reason_set(d, "cannot watch device events to confirm the unbind: %s; nothing was changed",
			   strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < d->nr_units && rc == 0; i++) {
		struct unit *u = &d->units[i];
		struct daxpin_drain_event ev = { .kind = DAXPIN_DRAIN_DISABLED,
						 .object = u->pub.name };
		uint64_t unbind_ms = elapsed_ms(d);

		if (!unit_active(u))
			continue;
		if (u->pub.daxdev) {
			rc = unbind_daxdev(d->ctx, u->pub.daxdev);
		} else {
			/* ndctl checks the exclusive claim itself */
			fence_release_blockdev(&u->fence);
			rc = unbind_namespace(d->ctx, u->pub.ns);
		}
		if (rc < 0) {
			reason_set(d, "cannot disable %s: %s", u->pub.name, strerror(-rc));
			break;
		}
		u->pub.state = DAXPIN_DRAIN_UNBOUND;
		/* the node of an unbound device stays while the device exists */
		if (u->pub.daxdev) {
			rc = fence_lift(&u->fence);
			if (rc < 0) {
				reason_set(d, "%s is disabled, but its node /dev/%s could not be restored: %s",
					   u->pub.name, u->pub.name, strerror(-rc));
				break;
			}
		}
		dbg(d->ctx, "%s: unbound in %" PRIu64 " ms\n", u->pub.name, elapsed_ms(d) - unbind_ms);
		rc = unit_verify(d, w, u);
		ev.verify_ms = elapsed_ms(d) - unbind_ms;
		if (rc == 0)
			emit(d, o, &ev);
	}
	uevents_close(w);
	return rc;
}

/*
 * The last check, behind the fence: after the fence nothing new can open
 * a target, so a holders scan that finds nobody means nobody can take a
 * page reference any more, and the page scan after it sees every reference
 * that is left. Returns 0 when unbound, -EAGAIN when something was found
 * (fence lifted, the wait goes on), or a negative errno.
 */
static int fenced_unbind(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			 struct check *c)
{
	struct daxpin_drain_event raced = { .kind = DAXPIN_DRAIN_RACED };
	uint64_t fenced_ms, scanned_ms;
	int rc = fences_raise(d);

	if (rc == -EBUSY) {
		/* a block device claimed (mounted) since the targets were validated */
		emit(d, o, &raced);
		fences_lift(d);
		return -EAGAIN;
	}
	if (rc == -EEXIST) {
		reason_set(d, "a drain killed earlier left a fenced node /dev/.daxpin-fenced-*: move it back to its name, or remove it and run 'udevadm trigger'");
		fences_lift(d);
		return rc;
	}
	if (rc < 0) {
		reason_set(d, "cannot fence the device nodes: %s", strerror(-rc));
		fences_lift(d);
		return rc;
	}
	fenced_ms = elapsed_ms(d);
	rc = holders_scan(d, false);
	scanned_ms = elapsed_ms(d);
	if (rc == 0)
		rc = check(d, false, c);
	dbg(d->ctx, "fenced check: holders %" PRIu64 " ms, pages %" PRIu64 " ms\n",
	    scanned_ms - fenced_ms, elapsed_ms(d) - scanned_ms);
	if (rc == 0 && cancelled(o))
		rc = -EINTR;
	if (rc == 0 && !check_clean(c)) {
		emit(d, o, &raced);
		rc = -EAGAIN;
	}
	if (rc < 0) {
		int lifted = fences_lift(d);

		return rc == -EAGAIN && lifted < 0 ? lifted : rc;
	}
	rc = unbind_all(d, o);
	/* after a failed unbind, put back the nodes of what is still bound */
	fences_lift(d);
	return rc;
}

static int pagestate_open(struct daxpin_drain *d)
{
	int rc = daxpin_pagestate_open(d->ctx, &d->ps);

	if (rc < 0)
		reason_set(d, "page state unavailable: %s",
			   d->ps ? daxpin_pagestate_reason(d->ps) : strerror(-rc));
	return rc;
}

static bool any_active(const struct daxpin_drain *d)
{
	for (size_t i = 0; i < d->nr_units; i++)
		if (unit_active(&d->units[i]))
			return true;
	return false;
}

static int wait_ms_next(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
			int interval)
{
	int64_t wait = interval, kill = next_kill_ms(d, o);

	if (kill >= 0 && kill < wait)
		wait = kill;
	if (o->timeout_ms) {
		int64_t left = (int64_t)o->timeout_ms - (int64_t)elapsed_ms(d);

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
		if (cancelled(o)) {
			reason_set(d, "interrupted; nothing was changed");
			return -EINTR;
		}
		rc = check(d, holders_due, &c);
		if (rc < 0)
			return rc;
		/*
		 * Pages clean and nobody held the targets at the last holders
		 * scan: straight to the fenced check, which scans holders itself.
		 * If somebody did, look again before fencing them out.
		 */
		if (!holders_due && !pages_busy(&c.pages) && c.holders) {
			holders_due = true;
			continue;
		}
		/* the pages' owners may have changed with them */
		rescan |= !same_pages(&c, &last);
		if (!same_check(&c, &last))
			interval = POLL_MIN_MS;
		else
			interval = interval_backoff(d, interval);
		if (!same_check(&c, &last))
			dbg(d->ctx, "check at %" PRIu64 " ms: %zu holders, %" PRIu64 " refs\n",
			    elapsed_ms(d), c.holders, c.pages.refs);
		if (!same_check(&c, &last) || elapsed_ms(d) - emitted_ms >= PROGRESS_MS) {
			emit_check(d, o, &c);
			emitted_ms = elapsed_ms(d);
		}
		last = c;
		if (check_clean(&c)) {
			if (o->flags & DAXPIN_DRAIN_DRY_RUN)
				return 0;
			rc = fenced_unbind(d, o, &c);
			if (rc != -EAGAIN)
				return rc;
			emit_check(d, o, &c);
			last = c;
			interval = POLL_MIN_MS;
			rescan = true;	/* the fenced scan did not look for owners */
		} else if (o->flags & DAXPIN_DRAIN_DRY_RUN) {
			reason_set(d, "busy; nothing was changed");
			return -EBUSY;
		}
		if (o->flags & DAXPIN_DRAIN_FORCE) {
			rc = force(d, o, &c);
			if (rc < 0)
				return rc;
		}
		if (o->timeout_ms && elapsed_ms(d) >= o->timeout_ms) {
			reason_set(d, "timed out after %.1f s; nothing was changed",
				   o->timeout_ms / 1000.0);
			return -ETIMEDOUT;
		}
		rc = sleep_for_change(d, o, wait_ms_next(d, o, interval));
		if (rc == -EINTR) {
			reason_set(d, "interrupted; nothing was changed");
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
			      elapsed_ms(d) - d->holders_ms >= HOLDERS_RESCAN_MS;
		rescan = false;
		if (rc > 0)
			interval = POLL_MIN_MS;
	}
}

DAXPIN_EXPORT int daxpin_drain_run(struct daxpin_drain *d,
				   const struct daxpin_drain_options *o)
{
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &d->start);
	if (!any_active(d))
		return 0;
	rc = pagestate_open(d);
	if (rc < 0)
		return rc;
	if (!(o->flags & DAXPIN_DRAIN_DRY_RUN)) {
		rc = lock_all(d);
		if (rc < 0)
			return rc;
	}
	return drain_wait(d, o);
}

DAXPIN_EXPORT const char *daxpin_drain_reason(const struct daxpin_drain *d)
{
	return d->reason[0] ? d->reason : NULL;
}

DAXPIN_EXPORT pid_t daxpin_drain_lock_holder(const struct daxpin_drain *d)
{
	return d->lock_holder;
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
	fences_lift(d);
	for (size_t i = 0; i < d->nr_units; i++) {
		daxpin_target_clear(&d->units[i].target);
		daxpin_owners_target_clear(&d->units[i].pages);
		drain_unlock(d->units[i].lock_fd);
	}
	for (size_t i = 0; i < d->nr_signalled; i++)
		close(d->signalled[i].pidfd);
	free(d->signalled);
	free(d->units);
	daxpin_holders_free(d->holders);
	daxpin_pagestate_close(d->ps);
	owners_scanner_close(d->owners);
	free(d);
}
