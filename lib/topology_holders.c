// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The holders of every namespace and dax device of a topology, and the
 * owners of targets' page references merged into holders
 * (include/daxpin/topology_holders.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/owners.h>
#include <daxpin/topology_holders.h>

#include "private.h"

DAXPIN_EXPORT int daxpin_holders_find_owners(struct daxpin_ctx *ctx,
					     const struct daxpin_topology *topo,
					     const struct daxpin_target *targets, size_t nr,
					     struct daxpin_holders *h, bool *has_pages)
{
	struct daxpin_owners_target *ot = calloc(nr ? nr : 1, sizeof(*ot));
	struct daxpin_owners *o = NULL;
	int rc = 0;

	if (!ot)
		return -ENOMEM;
	for (size_t i = 0; i < nr && topo && !rc; i++) {
		rc = daxpin_owners_target_from(topo, &targets[i], &ot[i]);
		*has_pages |= ot[i].nr_ranges > 0;
	}
	if (!rc)
		rc = daxpin_owners_scan(ctx, ot, nr, &o);
	if (!rc)
		rc = daxpin_holders_add_owners(h, o);
	for (size_t i = 0; i < nr; i++)
		daxpin_owners_target_clear(&ot[i]);
	free(ot);
	return rc;
}

DAXPIN_EXPORT int daxpin_topology_holders_scan(struct daxpin_ctx *ctx,
					       const struct daxpin_topology *t,
					       unsigned int timeout_ms, unsigned int flags,
					       struct daxpin_topology_holders *th)
{
	struct daxpin_target *targets = NULL;
	int rc = 0;

	memset(th, 0, sizeof(*th));
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++)
			th->nr += 1 + t->regions[i].namespaces[j].nr_daxdevs;
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		th->nr += t->dax_regions[i].nr_daxdevs;
	targets = calloc(th->nr ? th->nr : 1, sizeof(*targets));
	th->objs = calloc(th->nr ? th->nr : 1, sizeof(*th->objs));
	if (!targets || !th->objs) {
		rc = -ENOMEM;
		goto out;
	}
	th->nr = 0;
	for (size_t i = 0; i < t->nr_regions && !rc; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces && !rc; j++) {
			const struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			th->objs[th->nr] = ns;
			rc = daxpin_target_add_namespace(&targets[th->nr++], ns);
			for (size_t k = 0; k < ns->nr_daxdevs && !rc; k++) {
				th->objs[th->nr] = &ns->daxdevs[k];
				rc = daxpin_target_add_daxdev(&targets[th->nr++], &ns->daxdevs[k]);
			}
		}
	for (size_t i = 0; i < t->nr_dax_regions && !rc; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs && !rc; k++) {
			th->objs[th->nr] = &t->dax_regions[i].daxdevs[k];
			rc = daxpin_target_add_daxdev(&targets[th->nr++],
						      &t->dax_regions[i].daxdevs[k]);
		}
	if (!rc)
		rc = daxpin_holders_scan(ctx, targets, th->nr, timeout_ms, flags, &th->h);
	/* reference owners count as holders (without root: not searched, quietly) */
	if (!rc) {
		bool has_pages = false;

		rc = daxpin_holders_find_owners(ctx, t, targets, th->nr, th->h, &has_pages);
	}
out:
	for (size_t i = 0; targets && i < th->nr; i++)
		daxpin_target_clear(&targets[i]);
	free(targets);
	if (rc < 0)
		daxpin_topology_holders_free(th);
	return rc;
}

DAXPIN_EXPORT const struct daxpin_target_holders *
daxpin_topology_holders_of(const struct daxpin_topology_holders *th, const void *obj)
{
	for (size_t i = 0; th->h && i < th->nr; i++)
		if (th->objs[i] == obj)
			return &th->h->targets[i];
	return NULL;
}

DAXPIN_EXPORT void daxpin_topology_holders_free(struct daxpin_topology_holders *th)
{
	daxpin_holders_free(th->h);
	free(th->objs);
	memset(th, 0, sizeof(*th));
}
