// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl_targets.h"
#include "exitcodes.h"

/* One region more in ct, unless it is there already; an exit code. */
static int region_push(struct cxl_targets *ct, const struct daxpin_cxl_region *c,
		       const char *memdev, const char **reason)
{
	static char msg[512];
	const struct daxpin_cxl_region **slot;
	bool *disabled;

	for (size_t i = 0; i < ct->nr; i++)
		if (ct->regions[i] == c)
			return EXIT_OK;
	/* disabled already: nothing to drain, nothing to disable */
	if (!c->enabled)
		return EXIT_OK;
	/* what is fed is drained by its nd region or its dax devices */
	if (!c->nd_region && !(c->dax_region && c->dax_region->nr_daxdevs)) {
		snprintf(msg, sizeof(msg), "%s%s%s%s feeds no nd region or dax device daxpin can drain%s",
			 DAXPIN_CXL_TARGET_PREFIX, c->region, memdev ? ", a region of " : "",
			 memdev ? memdev : "",
			 c->committed ? "" : " (its decoders are not committed)");
		*reason = msg;
		return EXIT_UNSUPPORTED;
	}
	slot = realloc(ct->regions, (ct->nr + 1) * sizeof(*ct->regions));
	if (slot)
		ct->regions = slot;
	disabled = slot ? realloc(ct->disabled, (ct->nr + 1) * sizeof(*ct->disabled)) : NULL;
	if (!disabled) {
		*reason = strerror(ENOMEM);
		return EXIT_FAILURE_;
	}
	ct->disabled = disabled;
	ct->disabled[ct->nr] = false;
	ct->regions[ct->nr++] = c;
	return EXIT_OK;
}

/* Whether region c is the one name names, or one memory device memdev is part of. */
static bool region_named(const struct daxpin_cxl_region *c, const char *name, const char *memdev)
{
	return name ? strcmp(c->region, name) == 0 : daxpin_cxl_memdev_in(c, memdev);
}

int cxl_target_resolve(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
		       const char *target, struct cxl_targets *ct, size_t *first,
		       const char **reason)
{
	static char msg[512];
	const char *memdev = daxpin_cxl_memdev_target(target);
	const char *name = memdev ? NULL : daxpin_cxl_target(target);
	int err, rc = EXIT_OK;

	if (!name && !memdev)
		return 0;
	if (!ct->cxl) {
		err = daxpin_cxl_scan(ctx, t, &ct->cxl);
		if (err < 0) {
			snprintf(msg, sizeof(msg), "cannot read the CXL topology: %s", strerror(-err));
			*reason = msg;
			return -EXIT_FAILURE_;
		}
	}
	*first = ct->nr;
	if (name && !daxpin_cxl_lookup(ct->cxl, name)) {
		snprintf(msg, sizeof(msg), "no CXL region '%s'; see 'cxl list -R' (a CXL region is spelled cxl:regionN)",
			 target);
		*reason = msg;
		return -EXIT_NOT_FOUND;
	}
	if (memdev && !daxpin_cxl_memdev_known(ct->cxl, memdev)) {
		snprintf(msg, sizeof(msg), "no CXL memory device '%s'; see 'cxl list -M'", target);
		*reason = msg;
		return -EXIT_NOT_FOUND;
	}
	for (size_t i = 0; i < ct->cxl->nr_regions && rc == EXIT_OK; i++) {
		const struct daxpin_cxl_region *c = &ct->cxl->regions[i];

		if (region_named(c, name, memdev))
			rc = region_push(ct, c, memdev, reason);
	}
	return rc == EXIT_OK ? 1 : -rc;
}

bool cxl_target_idle(const struct cxl_targets *ct, const char *target)
{
	const char *memdev = daxpin_cxl_memdev_target(target);
	const char *name = memdev ? NULL : daxpin_cxl_target(target);

	for (size_t i = 0; i < ct->cxl->nr_regions; i++) {
		const struct daxpin_cxl_region *c = &ct->cxl->regions[i];

		if (c->enabled && region_named(c, name, memdev))
			return false;
	}
	return true;
}

int cxl_target_disable(struct daxpin_ctx *ctx, struct cxl_targets *ct, size_t i,
		       const char **reason)
{
	static char msg[512];
	int err = daxpin_cxl_region_disable(ctx, ct->regions[i]->region);

	if (err < 0) {
		snprintf(msg, sizeof(msg), "%s%s drained, but disabling the CXL region failed: %s",
			 DAXPIN_CXL_TARGET_PREFIX, ct->regions[i]->region, strerror(-err));
		*reason = msg;
		return EXIT_FAILURE_;
	}
	ct->disabled[i] = true;
	return EXIT_OK;
}

void cxl_targets_free(struct cxl_targets *ct)
{
	daxpin_cxl_free(ct->cxl);
	free(ct->regions);
	free(ct->disabled);
}
