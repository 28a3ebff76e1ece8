/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CXL_TARGETS_H
#define DAXPIN_CXL_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include <daxpin/cxl.h>

/*
 * The CXL regions (cxl:regionN) among a command's targets: each stands for
 * the nd region it feeds, and a drain disables it once that is drained.
 */
struct cxl_targets {
	struct daxpin_cxl *cxl;		/* scanned at the first cxl: target */
	const struct daxpin_cxl_region **regions;
	size_t nr;
};

/*
 * If target is spelled cxl:NAME, fills obj with the nd region that CXL
 * region feeds and returns 1; 0 for any other spelling; else an exit code
 * (negated) with *reason: no such CXL region, or it feeds no nd region.
 */
int cxl_target_resolve(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
		       const char *target, struct cxl_targets *ct,
		       struct daxpin_object *obj, const char **reason);

/* Disables each CXL region, saying so on stdout unless json; an exit code. */
int cxl_targets_disable(struct daxpin_ctx *ctx, const struct cxl_targets *ct, bool json,
			const char **reason);

void cxl_targets_free(struct cxl_targets *ct);

#endif
