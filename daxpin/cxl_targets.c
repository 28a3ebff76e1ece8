// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl_targets.h"
#include "exitcodes.h"

int cxl_target_resolve(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
		       const char *target, struct cxl_targets *ct,
		       struct daxpin_object *obj, const char **reason)
{
	static char msg[512];
	const char *name = daxpin_cxl_target(target);
	const struct daxpin_cxl_region *c, **slot;
	int err;

	if (!name)
		return 0;
	if (!ct->cxl) {
		err = daxpin_cxl_scan(ctx, t, &ct->cxl);
		if (err < 0) {
			snprintf(msg, sizeof(msg), "cannot read the CXL topology: %s", strerror(-err));
			*reason = msg;
			return -EXIT_FAILURE_;
		}
	}
	c = daxpin_cxl_lookup(ct->cxl, name);
	if (!c) {
		snprintf(msg, sizeof(msg), "no CXL region '%s'; see 'cxl list -R'", name);
		*reason = msg;
		return -EXIT_NOT_FOUND;
	}
	/* a RAM region's dax region has no drain of its own (yet) */
	if (!c->nd_region || daxpin_topology_lookup(t, c->nd_region->dev, obj) < 0) {
		snprintf(msg, sizeof(msg), "%s feeds no nd region daxpin can drain%s", target,
			 c->committed ? "" : " (its decoders are not committed)");
		*reason = msg;
		return -EXIT_UNSUPPORTED;
	}
	slot = realloc(ct->regions, (ct->nr + 1) * sizeof(*ct->regions));
	if (!slot) {
		*reason = strerror(ENOMEM);
		return -EXIT_FAILURE_;
	}
	ct->regions = slot;
	ct->regions[ct->nr++] = c;
	return 1;
}

int cxl_targets_disable(struct daxpin_ctx *ctx, const struct cxl_targets *ct, bool json,
			const char **reason)
{
	static char msg[512];

	for (size_t i = 0; i < ct->nr; i++) {
		int err = daxpin_cxl_region_disable(ctx, ct->regions[i]->region);

		if (err < 0) {
			snprintf(msg, sizeof(msg), "%s%s drained, but disabling the CXL region failed: %s",
				 DAXPIN_CXL_TARGET_PREFIX, ct->regions[i]->region, strerror(-err));
			*reason = msg;
			return EXIT_FAILURE_;
		}
		if (!json)
			printf("%s%s: disabled\n", DAXPIN_CXL_TARGET_PREFIX, ct->regions[i]->region);
	}
	return EXIT_OK;
}

void cxl_targets_free(struct cxl_targets *ct)
{
	daxpin_cxl_free(ct->cxl);
	free(ct->regions);
}
