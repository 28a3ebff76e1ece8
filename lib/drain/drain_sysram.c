// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Draining system RAM (a dax device bound to kmem): its memory blocks are
 * offlined one at a time, before the wait for the drain's other targets,
 * each write bounded by what is left of the timeout and by cancellation
 * (the kernel retries a migration that fails until its writer gets a
 * signal: daxpin_memblock_set_state() writes from a child it can kill).
 * While a block will not go, its blocking pages are reported. The kmem
 * unbind itself comes with the others' after the fenced check, which finds
 * nothing of an offline device to fence. Whatever ends the drain before the
 * unbind puts every block it offlined back online, in the zone it was in.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <daxpin/memory.h>

#include "core/private.h"
#include "drain_internal.h"
#include "drainlock.h"

struct sysram {
	struct daxpin_memory *memory;
	enum daxpin_zone *zone_was;	/* per block: the zone it was online in */
	bool *offlined;			/* per block: offlined by this drain */
};

/* a write to a block's state, at most this long, between two reports of its blockers */
#define OFFLINE_SLICE_MS 1000
/* after the kernel refused at once (-EBUSY: an unmovable page), before the next try */
#define BUSY_RETRY_MS 200
/* while the blockers stay the same, their owners are looked for again this often */
#define OWNERS_RESCAN_MS 5000

int drain_sysram_add(struct daxpin_drain *d, struct unit *u)
{
	struct sysram *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	u->sysram = s;
	rc = daxpin_memory_read(d->ctx, u->pub.daxdev, &s->memory);
	if (rc) {
		drain_reason_set(d, "cannot read the memory blocks of %s: %s", u->pub.name,
				 strerror(-rc));
		return rc;
	}
	s->zone_was = calloc(s->memory->nr_blocks + 1, sizeof(*s->zone_was));
	s->offlined = calloc(s->memory->nr_blocks + 1, sizeof(*s->offlined));
	return s->zone_was && s->offlined ? 0 : -ENOMEM;
}

void drain_sysram_free(struct unit *u)
{
	if (!u->sysram)
		return;
	daxpin_memory_free(u->sysram->memory);
	free(u->sysram->zone_was);
	free(u->sysram->offlined);
	free(u->sysram);
}

static bool cancelled(void *arg)
{
	return drain_cancelled(arg);
}

static void emit_block(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		       const struct unit *u, const struct daxpin_memblock *b)
{
	struct daxpin_drain_event ev = { .kind = DAXPIN_DRAIN_MEMBLOCK, .object = u->pub.name,
					 .memblock = b };

	drain_emit(d, o, &ev);
}

/* The pages that keep b online, read again (they changed while the kernel tried). */
static void blockers_scan(struct daxpin_drain *d, struct sysram *s)
{
	if (d->ps)
		daxpin_memory_scan_pages(s->memory, d->ps);
}

/*
 * The owners of the blocking pages' references (pipes, io_uring, RDMA,
 * VFIO), for the report, and for --force, which signals them as it does a
 * device-dax device's holders.
 */
static int blockers_owners(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			   uint64_t blocking, bool rescan)
{
	/* busy as drain_pages_busy() counts it: the owners hold what blocks */
	struct check c = { .pages.refs = blocking, .pages.referenced_pages = blocking };
	int rc = rescan ? drain_holders_scan(d, true) : 0;

	if (rc < 0 || !(o->flags & DAXPIN_DRAIN_FORCE))
		return rc;
	return drain_force(d, o, &c);
}

/* Before the next block: should the drain die now, the next command onlines this one. */
static int journal_save(struct daxpin_drain *d, const struct unit *u)
{
	const struct sysram *s = u->sysram;
	int rc = sysram_journal_save(u->pub.name, s->memory, s->offlined, s->zone_was);

	if (rc)
		drain_reason_set(d, "cannot record the offlined blocks of %s in " DAXPIN_RUN_DIR ": %s; every block is online again",
				 u->pub.name, strerror(-rc));
	return rc;
}

static uint64_t left_ms(const struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	uint64_t now = drain_elapsed_ms(d);

	if (!o->timeout_ms)
		return UINT64_MAX;
	return now >= o->timeout_ms ? 0 : o->timeout_ms - now;
}

static int block_offline(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			 const struct unit *u, size_t i)
{
	struct sysram *s = u->sysram;
	struct daxpin_memblock *b = &s->memory->blocks[i];
	uint64_t reported = UINT64_MAX;
	bool changed;
	int err;

	s->zone_was[i] = b->zone;
	for (;;) {
		uint64_t left = left_ms(d, o);
		unsigned int slice = left < OFFLINE_SLICE_MS ? (unsigned int)left : OFFLINE_SLICE_MS;
		int rc;

		if (!left) {
			drain_reason_set(d, "timed out after %.1f s: memory%lu of %s did not go offline (%" PRIu64 " blocking pages); every block is online again",
					 o->timeout_ms / 1000.0, b->id, u->pub.name,
					 daxpin_memblock_blocking(b));
			return -ETIMEDOUT;
		}
		rc = daxpin_memblock_set_state(d->ctx, b, "offline", slice, cancelled, (void *)o);
		if (b->state == DAXPIN_MEMBLOCK_OFFLINE) {
			s->offlined[i] = true;
			emit_block(d, o, u, b);
			return journal_save(d, u);
		}
		if (rc == -EINTR) {
			drain_reason_set(d, "interrupted; every block of %s is online again", u->pub.name);
			return -EINTR;
		}
		if (rc != -ETIMEDOUT && rc != -EBUSY && rc != -EAGAIN && rc) {
			drain_reason_set(d, "offlining memory%lu of %s failed: %s; every block is online again",
					 b->id, u->pub.name, strerror(-rc));
			return rc;
		}
		blockers_scan(d, s);
		changed = daxpin_memblock_blocking(b) != reported;
		if (changed) {
			reported = daxpin_memblock_blocking(b);
			emit_block(d, o, u, b);
		}
		err = blockers_owners(d, o, reported, changed ||
				      drain_elapsed_ms(d) - d->holders_ms >= OWNERS_RESCAN_MS);
		if (err < 0)
			return err;
		if (rc == -EBUSY) {
			struct pollfd p = { .fd = o->cancel_fd, .events = POLLIN };

			poll(&p, o->cancel_fd >= 0, BUSY_RETRY_MS);
		}
	}
}

int drain_sysram_offline(struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	for (size_t k = 0; k < d->nr_units; k++) {
		struct unit *u = &d->units[k];

		if (!u->sysram || !drain_unit_active(u))
			continue;
		for (size_t i = 0; i < u->sysram->memory->nr_blocks; i++) {
			int rc;

			if (u->sysram->memory->blocks[i].state == DAXPIN_MEMBLOCK_OFFLINE)
				continue;
			rc = block_offline(d, o, u, i);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int drain_sysram_dry_run(struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	uint64_t blocking = 0;

	for (size_t k = 0; k < d->nr_units; k++) {
		struct unit *u = &d->units[k];
		struct daxpin_memory *m = u->sysram ? u->sysram->memory : NULL;

		if (!m || !drain_unit_active(u))
			continue;
		if (!d->ps || daxpin_memory_scan_pages(m, d->ps)) {
			drain_reason_set(d, "cannot tell whether the memory of %s would go offline: %s",
					 u->pub.name, m->pages_reason);
			return -EPERM;
		}
		for (size_t i = 0; i < m->nr_blocks; i++)
			if (daxpin_memblock_blocking(&m->blocks[i])) {
				emit_block(d, o, u, &m->blocks[i]);
				blocking += daxpin_memblock_blocking(&m->blocks[i]);
			}
	}
	if (!blocking)
		return 0;
	drain_reason_set(d, "busy: %" PRIu64 " pages keep memory blocks from going offline; nothing was changed",
			 blocking);
	return -EBUSY;
}

int drain_sysram_restore(struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	int rc = 0;

	for (size_t k = 0; k < d->nr_units; k++) {
		struct unit *u = &d->units[k];
		struct sysram *s = u->sysram;

		if (!s || u->pub.state == DAXPIN_DRAIN_UNBOUND)
			continue;
		for (size_t i = 0; i < s->memory->nr_blocks; i++) {
			struct daxpin_memblock *b = &s->memory->blocks[i];
			int err;

			if (!s->offlined[i])
				continue;
			/* not cancellable, and with time of its own: this is the undo */
			err = daxpin_memblock_set_state(d->ctx, b,
							daxpin_memblock_online_state(s->zone_was[i]),
							10000, NULL, NULL);
			if (err && b->state != DAXPIN_MEMBLOCK_ONLINE) {
				err(d->ctx, "memory%lu of %s could not be onlined again: %s\n", b->id,
				    u->pub.name, strerror(-err));
				drain_reason_set(d, "memory%lu of %s could not be onlined again (%s): 'daxctl online-memory %s' retries",
						 b->id, u->pub.name, strerror(-err), u->pub.name);
				rc = err;
				continue;
			}
			s->offlined[i] = false;
			emit_block(d, o, u, b);
		}
		/* the record of blocks still offline stays, for the next command */
		sysram_journal_save(u->pub.name, s->memory, s->offlined, s->zone_was);
	}
	return rc;
}

/* The drain finished: the devices it unbound took their blocks with them. */
void drain_sysram_done(const struct daxpin_drain *d)
{
	for (size_t k = 0; k < d->nr_units; k++)
		if (d->units[k].sysram && d->units[k].pub.state == DAXPIN_DRAIN_UNBOUND)
			sysram_journal_clear(d->units[k].pub.name);
}

/* After the kmem unbind: the kernel removed every block (no "cannot be hotremoved"). */
int drain_sysram_verify(const struct unit *u, char *why, size_t size)
{
	const struct daxpin_memory *m = u->sysram->memory;

	for (size_t i = 0; i < m->nr_blocks; i++)
		if (daxpin_memblock_exists(m->blocks[i].id)) {
			snprintf(why, size, "memory%lu is still there: the kernel could not remove the memory",
				 m->blocks[i].id);
			return -EBUSY;
		}
	return 0;
}
