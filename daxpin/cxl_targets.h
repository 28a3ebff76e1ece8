/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CXL_TARGETS_H
#define DAXPIN_CXL_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include <daxpin/cxl.h>

/*
 * The CXL regions among a command's targets (cxl:regionN, or memN and
 * cxl:memN: every region the memory device is part of): each stands for
 * what it feeds, and a drain disables it once that is drained.
 */
struct cxl_targets {
	struct daxpin_cxl *cxl;		/* scanned at the first CXL target */
	const struct daxpin_cxl_region **regions;
	bool *disabled;			/* by the drain, per region */
	size_t nr;
};

/*
 * If target is spelled cxl:regionN, memN or cxl:memN, appends the enabled
 * CXL regions it names to ct (each once; *first: the index of the first it
 * appended, ct->nr when none: a disabled region, a memory device in no
 * enabled region) and returns 1;
 * 0 for any other spelling; else an exit code (negated) with *reason: no
 * such CXL region or memory device, or a region feeds nothing daxpin drains.
 */
int cxl_target_resolve(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
		       const char *target, struct cxl_targets *ct, size_t *first,
		       const char **reason);

/*
 * Whether a target cxl_target_resolve() took names no enabled CXL region (a
 * disabled region, a memory device in none): nothing to drain for it, even
 * when another target already brought its regions in.
 */
bool cxl_target_idle(const struct cxl_targets *ct, const char *target);

/* Disables CXL region i of ct; an exit code, with *reason on failure. */
int cxl_target_disable(struct daxpin_ctx *ctx, struct cxl_targets *ct, size_t i,
		       const char **reason);

void cxl_targets_free(struct cxl_targets *ct);

#endif
