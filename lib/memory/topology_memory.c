// SPDX-License-Identifier: LGPL-2.1-or-later
/* The memory blocks of a topology's system-RAM devices (daxpin/topology_memory.h). */
#include <errno.h>
#include <stdlib.h>
#include <daxpin/topology_memory.h>

#include "core/private.h"

static int daxdev_memory(struct daxpin_ctx *ctx, struct daxpin_daxdev *d,
			 struct daxpin_pagestate *ps, struct daxpin_topology_memory *tm,
			 size_t *cap)
{
	struct daxpin_memory *m;
	int rc;

	if (d->driver != DAXPIN_DRIVER_KMEM)
		return 0;
	rc = daxpin_memory_read(ctx, d, &m);
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return 0;	/* no blocks to show: the device's row says why (its ranges) */
	rc = array_grow((void **)&tm->memory, cap, tm->nr + 1, sizeof(*tm->memory));
	if (rc) {
		daxpin_memory_free(m);
		return rc;
	}
	tm->memory[tm->nr++] = m;
	if (ps && daxpin_memory_scan_pages(m, ps) == -ENOMEM)
		return -ENOMEM;
	d->memory = m;
	return 0;
}

static int daxdevs_memory(struct daxpin_ctx *ctx, struct daxpin_daxdev *devs, size_t nr,
			  struct daxpin_pagestate *ps, struct daxpin_topology_memory *tm,
			  size_t *cap)
{
	int rc = 0;

	for (size_t i = 0; i < nr && !rc; i++)
		rc = daxdev_memory(ctx, &devs[i], ps, tm, cap);
	return rc;
}

DAXPIN_EXPORT int daxpin_topology_memory_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
					      struct daxpin_pagestate *ps,
					      struct daxpin_topology_memory *tm)
{
	size_t cap = 0;
	int rc = 0;

	tm->memory = NULL;
	tm->nr = 0;
	for (size_t i = 0; i < t->nr_regions && !rc; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces && !rc; j++)
			rc = daxdevs_memory(ctx, t->regions[i].namespaces[j].daxdevs,
					    t->regions[i].namespaces[j].nr_daxdevs, ps, tm, &cap);
	for (size_t i = 0; i < t->nr_dax_regions && !rc; i++)
		rc = daxdevs_memory(ctx, t->dax_regions[i].daxdevs, t->dax_regions[i].nr_daxdevs,
				    ps, tm, &cap);
	return rc;
}

DAXPIN_EXPORT void daxpin_topology_memory_free(struct daxpin_topology_memory *tm)
{
	for (size_t i = 0; i < tm->nr; i++)
		daxpin_memory_free(tm->memory[i]);
	free(tm->memory);
	tm->memory = NULL;
	tm->nr = 0;
}
