// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One look at the drain's targets: their page state, and the processes
 * that hold them (with the owners of the pages' references while there
 * are any).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pages/devdax_entry_count.h"
#include "drain_internal.h"
#include "core/private.h"
#include "pages/pages_internal.h"

#define HOLDERS_SCAN_TIMEOUT_MS 10000
/* The access of a reference owner, as opposed to mapping or opening. */
#define ACCESS_OWNER (DAXPIN_ACCESS_PIPE | DAXPIN_ACCESS_IO_URING | DAXPIN_ACCESS_RDMA_HINT | \
		      DAXPIN_ACCESS_VFIO_HINT)

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
		if (drain_unit_active(&d->units[i]))
			targets[i] = d->units[i].pages;
	rc = owners_scanner_run(d->owners, d->ps, targets, d->nr_units, &o);
	free(targets);
	return rc ? rc : daxpin_holders_add_owners(h, o);
}

int drain_holders_scan(struct daxpin_drain *d, bool with_owners)
{
	struct daxpin_target *targets = calloc(d->nr_units, sizeof(*targets));
	struct daxpin_holders *h = NULL;
	int rc;

	if (!targets)
		return -ENOMEM;
	/* disabled units take part with no keys, so targets[i] stays units[i] */
	for (size_t i = 0; i < d->nr_units; i++)
		if (drain_unit_active(&d->units[i]))
			targets[i] = d->units[i].target;
	if (d->entries)
		d->entries_at_holders = devdax_entry_count_read(d->entries);
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
		drain_reason_set(d, "cannot scan the processes: %s", strerror(-rc));
		return rc;
	}
	daxpin_holders_free(d->holders);
	d->holders = h;
	d->holders_ms = drain_elapsed_ms(d);
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
		drain_reason_set(d, "cannot read the page state of %s: %s", u->pub.name, strerror(-rc));
	return rc;
}

bool drain_pages_busy(const struct daxpin_page_counts *c)
{
	return c->refs || c->pinned_pages || c->mapped_pages;
}

/*
 * How p holds the active targets, by the last holders scan. A reference
 * owner holds them only while pages are referenced: once none is, its pipe
 * or ring holds none of them, whatever it held when the owners were looked
 * for.
 */
unsigned int drain_proc_access(const struct daxpin_drain *d, const struct daxpin_process *p,
				bool referenced)
{
	unsigned int access = 0;

	for (size_t i = 0; i < d->nr_units; i++) {
		const struct daxpin_target_holders *th = d->units[i].pub.holders;

		if (!drain_unit_active(&d->units[i]) || !th)
			continue;
		for (size_t j = 0; j < th->nr_holders; j++)
			if (th->holders[j].proc == p)
				access |= th->holders[j].access;
	}
	/* memory of a process in system RAM migrates: it holds nothing */
	access &= ~DAXPIN_ACCESS_RESIDENT;
	return referenced ? access : access & ~ACCESS_OWNER;
}

static void holders_count(const struct daxpin_drain *d, bool referenced, struct check *c)
{
	for (size_t i = 0; d->holders && i < d->holders->nr_procs; i++) {
		unsigned int access = drain_proc_access(d, &d->holders->procs[i], referenced);

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
int drain_check(struct daxpin_drain *d, bool with_holders, struct check *c)
{
	uint64_t start_us = drain_elapsed_us(d);
	int rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < d->nr_units; i++) {
		struct unit *u = &d->units[i];

		if (!drain_unit_active(u) || !u->pub.has_pages)
			continue;
		rc = pages_scan(d, u);
		if (rc < 0)
			return rc;
		u->pub.checked = true;
		daxpin_page_counts_add(&c->pages, &u->pub.pages);
	}
	d->scan_us = drain_elapsed_us(d) - start_us;
	if (with_holders) {
		rc = drain_holders_scan(d, drain_pages_busy(&c->pages));
		if (rc < 0)
			return rc;
	}
	holders_count(d, drain_pages_busy(&c->pages), c);
	return 0;
}

bool drain_check_clean(const struct check *c)
{
	return c->holders_complete && !c->holders && !drain_pages_busy(&c->pages);
}

bool drain_same_pages(const struct check *a, const struct check *b)
{
	return a->pages.refs == b->pages.refs &&
	       a->pages.referenced_pages == b->pages.referenced_pages &&
	       a->pages.pinned_pages == b->pages.pinned_pages &&
	       a->pages.mapped_pages == b->pages.mapped_pages;
}

bool drain_same_check(const struct check *a, const struct check *b)
{
	return a->holders == b->holders && drain_same_pages(a, b);
}

void drain_emit_check(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		       const struct check *c)
{
	struct daxpin_drain_event ev = {
		.kind = DAXPIN_DRAIN_CHECKED,
		.holders = c->holders,
		.holders_complete = c->holders_complete,
		.pages = &c->pages,
	};

	drain_emit(d, o, &ev);
}
