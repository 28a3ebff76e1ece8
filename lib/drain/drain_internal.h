/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DRAIN_INTERNAL_H
#define DAXPIN_DRAIN_INTERNAL_H

/*
 * What the files of the drain engine share: drain.c (targets, the wait, the
 * public API), drain_status.c (clock, reason, events, cancellation),
 * drain_check.c (one look at holders and pages), drain_force.c (--force's
 * signals), drain_sysram.c (the memory blocks of system RAM) and drain_unbind.c (the fence, the last check, the unbind and
 * its verification). See include/daxpin/drain.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <daxpin/drain.h>
#include <daxpin/owners.h>

#include "fence.h"

struct fence_lsm;
struct sysram;

struct unit {
	struct daxpin_drain_object pub;
	struct daxpin_target target;
	struct daxpin_owners_target pages;	/* for the owners scan */
	int lock_fd;
	struct fence fence;
	struct sysram *sysram;	/* a system-RAM (kmem) device: its blocks (drain_sysram.c) */
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
	const struct daxpin_region **regions;	/* the regions drained whole */
	size_t nr_regions;
	struct daxpin_pagestate *ps;
	struct owners_scanner *owners;	/* loaded at the first referenced page */
	struct daxpin_holders *holders;	/* the last scan */
	uint64_t holders_ms;		/* when it was taken */
	struct devdax_entry_count *entries;	/* NULL: not counted */
	uint64_t entries_at_holders;	/* read before the last scan began */
	struct signalled *signalled;
	size_t nr_signalled;
	struct timespec start;
	uint64_t scan_us;		/* what the last page scan of all targets cost */
	pid_t lock_holder;
	struct fence_lsm *lsm;		/* NULL: device-dax nodes are fenced by renaming */
	enum daxpin_drain_fence fence;	/* the fence last raised */
	char fence_reason[256];		/* why the LSM fence is not used */
	char reason[1024];
};

/* What one check found, summed over the targets. */
struct check {
	size_t holders;		/* processes holding a target (proc_access()) */
	size_t openers;		/* of them, those that map or open one */
	bool holders_complete;
	struct daxpin_page_counts pages;
};

/* drain_status.c */
bool drain_unit_active(const struct unit *u);
uint64_t drain_elapsed_ms(const struct daxpin_drain *d);
bool drain_cancelled(const struct daxpin_drain_options *o);
uint64_t drain_elapsed_us(const struct daxpin_drain *d);
__attribute__((format(printf, 2, 3)))
void drain_reason_set(struct daxpin_drain *d, const char *fmt, ...);
void drain_emit(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 struct daxpin_drain_event *ev);

/* drain_check.c */
bool drain_check_clean(const struct check *c);
int drain_holders_scan(struct daxpin_drain *d, bool with_owners);
int drain_check(struct daxpin_drain *d, bool with_holders, struct check *c);
bool drain_pages_busy(const struct daxpin_page_counts *c);
unsigned int drain_proc_access(const struct daxpin_drain *d, const struct daxpin_process *p,
				bool referenced);
bool drain_same_check(const struct check *a, const struct check *b);
void drain_emit_check(const struct daxpin_drain *d, const struct daxpin_drain_options *o,
		       const struct check *c);
bool drain_same_pages(const struct check *a, const struct check *b);

/* drain_force.c */
int drain_force(struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 const struct check *c);
int64_t drain_next_kill_ms(const struct daxpin_drain *d, const struct daxpin_drain_options *o);

/* drain_unbind.c */
/* drain_regions.c */
int drain_region_add(struct daxpin_drain *d, const struct daxpin_region *r);
int drain_regions_unchanged(struct daxpin_drain *d);

bool drain_only_devdax(const struct daxpin_drain *d);
int drain_fences_lift(struct daxpin_drain *d);
int drain_fenced_unbind(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			 struct check *c);

/* drain_sysram.c */
int drain_sysram_add(struct daxpin_drain *d, struct unit *u);
void drain_sysram_free(struct unit *u);
int drain_sysram_offline(struct daxpin_drain *d, const struct daxpin_drain_options *o);
int drain_sysram_dry_run(struct daxpin_drain *d, const struct daxpin_drain_options *o);
int drain_sysram_restore(struct daxpin_drain *d, const struct daxpin_drain_options *o);
int drain_sysram_verify(const struct unit *u, char *why, size_t size);
void drain_sysram_done(const struct daxpin_drain *d);

/* sysram_journal.c: what a drain offlined, for the next command to undo if it dies */
struct daxpin_memory;
int sysram_journal_save(const char *name, const struct daxpin_memory *m, const bool *offlined,
			const enum daxpin_zone *zone_was);
void sysram_journal_clear(const char *name);

#endif
