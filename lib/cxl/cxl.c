// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cxl/libcxl.h>
#include <daxpin/cxl.h>
#include <daxpin/targets.h>

#include "core/private.h"

static void log_cxl(struct cxl_ctx *cxl, int priority, const char *file, int line,
		    const char *fn, const char *format, va_list args)
	__attribute__((format(printf, 6, 0)));
static void log_cxl(struct cxl_ctx *cxl, int priority, const char *file, int line,
		    const char *fn, const char *format, va_list args)
{
	log_library(cxl_get_userdata(cxl), "libcxl", priority, file, line, fn, format, args);
}

/* NULL stays NULL: libcxl could not read it */
static int strdup_to(char **field, const char *value)
{
	if (!value)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int mapping_fill(struct cxl_memdev_mapping *m, struct daxpin_cxl_mapping *out)
{
	struct cxl_decoder *decoder = cxl_mapping_get_decoder(m);
	struct cxl_memdev *memdev = decoder ? cxl_decoder_get_memdev(decoder) : NULL;
	struct cxl_endpoint *endpoint = memdev ? cxl_memdev_get_endpoint(memdev) : NULL;
	struct cxl_port *port;
	int rc;

	out->position = cxl_mapping_get_position(m);
	rc = strdup_to(&out->decoder, decoder ? cxl_decoder_get_devname(decoder) : NULL);
	if (rc || !memdev)
		return rc;
	out->serial = cxl_memdev_get_serial(memdev);
	rc = strdup_to(&out->memdev, cxl_memdev_get_devname(memdev));
	if (!rc)
		rc = strdup_to(&out->host, cxl_memdev_get_host(memdev));
	if (rc || !endpoint)
		return rc;
	rc = strdup_to(&out->endpoint, cxl_endpoint_get_devname(endpoint));
	/* the root port is the bus, which the region names already */
	for (port = cxl_endpoint_get_parent(endpoint); !rc && port && !cxl_port_is_root(port);
	     port = cxl_port_get_parent(port)) {
		char **name = array_push(&out->ports, &out->nr_ports, sizeof(*name));

		rc = name ? strdup_to(name, cxl_port_get_devname(port)) : -ENOMEM;
	}
	return rc;
}

/*
 * A RAM region's device-dax comes through dax_regionN under it
 * (drivers/dax/cxl.c); libcxl 76 has no getter for it.
 */
static const struct daxpin_dax_region *dax_region_of(const struct daxpin_topology *topo,
						     const char *region, int id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/cxl/devices/%s/dax_region%d", region, id);
	if (access(path, F_OK) != 0)
		return NULL;
	for (size_t i = 0; i < topo->nr_dax_regions; i++)
		if (topo->dax_regions[i].id == id)
			return &topo->dax_regions[i];
	return NULL;
}

/* The nd region on a CXL bus at the same physical address. */
static const struct daxpin_region *nd_region_of(const struct daxpin_topology *topo,
						uint64_t resource)
{
	for (size_t i = 0; i < topo->nr_regions; i++) {
		const struct daxpin_region *r = &topo->regions[i];

		if (r->provider && strcmp(r->provider, "CXL") == 0 && r->resource_known &&
		    r->resource == resource)
			return r;
	}
	return NULL;
}

static int region_fill(const struct daxpin_topology *topo, struct cxl_bus *bus,
		       struct cxl_decoder *decoder, struct cxl_region *region,
		       struct daxpin_cxl_region *r)
{
	struct cxl_memdev_mapping *m;
	int rc;

	rc = strdup_to(&r->region, cxl_region_get_devname(region));
	if (!rc)
		rc = strdup_to(&r->decoder, cxl_decoder_get_devname(decoder));
	if (!rc)
		rc = strdup_to(&r->bus, cxl_bus_get_devname(bus));
	if (rc)
		return rc;
	r->resource = cxl_region_get_resource(region);
	r->size = cxl_region_get_size(region);
	r->interleave_ways = cxl_region_get_interleave_ways(region);
	r->interleave_granularity = cxl_region_get_interleave_granularity(region);
	r->committed = cxl_region_decode_is_committed(region) == 1;
	r->enabled = cxl_region_is_enabled(region) == 1;
	cxl_mapping_foreach(region, m) {
		struct daxpin_cxl_mapping *out = array_push(&r->mappings, &r->nr_mappings,
							    sizeof(*out));

		rc = out ? mapping_fill(m, out) : -ENOMEM;
		if (rc)
			return rc;
	}
	/* an uncommitted region decodes no address: nothing it could feed */
	if (r->committed && r->resource != ULLONG_MAX)
		r->nd_region = nd_region_of(topo, r->resource);
	r->dax_region = dax_region_of(topo, r->region, cxl_region_get_id(region));
	return 0;
}

/* A libcxl context logging through ctx's log. */
static int cxl_open(struct daxpin_ctx *ctx, struct cxl_ctx **lib)
{
	int rc = cxl_new(lib);

	if (rc < 0)
		return rc;
	/* libcxl would otherwise log to stderr on its own */
	cxl_set_userdata(*lib, ctx);
	cxl_set_log_fn(*lib, log_cxl);
	cxl_set_log_priority(*lib, ctx->log_priority);
	return 0;
}

/*
 * Calls fn for every CXL region (each under its root decoder) until it
 * returns nonzero, and returns that.
 */
static int regions_walk(struct cxl_ctx *lib,
			int (*fn)(struct cxl_bus *bus, struct cxl_decoder *decoder,
				  struct cxl_region *region, void *arg),
			void *arg)
{
	struct cxl_bus *bus;
	int rc = 0;

	cxl_bus_foreach(lib, bus) {
		struct cxl_decoder *decoder;

		cxl_decoder_foreach(cxl_bus_get_port(bus), decoder) {
			struct cxl_region *region;

			cxl_region_foreach(decoder, region) {
				rc = fn(bus, decoder, region, arg);
				if (rc)
					return rc;
			}
		}
	}
	return rc;
}

struct scan {
	const struct daxpin_topology *topo;
	struct daxpin_cxl *cxl;
};

static int scan_one(struct cxl_bus *bus, struct cxl_decoder *decoder,
		    struct cxl_region *region, void *arg)
{
	struct scan *s = arg;
	struct daxpin_cxl_region *r = array_push(&s->cxl->regions, &s->cxl->nr_regions,
						 sizeof(*r));

	return r ? region_fill(s->topo, bus, decoder, region, r) : -ENOMEM;
}

DAXPIN_EXPORT int daxpin_cxl_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *topo,
				  struct daxpin_cxl **out)
{
	struct scan s = { .topo = topo };
	struct cxl_ctx *lib;
	int rc;

	s.cxl = calloc(1, sizeof(*s.cxl));
	if (!s.cxl)
		return -ENOMEM;
	rc = cxl_open(ctx, &lib);
	if (rc < 0) {
		free(s.cxl);
		return rc;
	}
	rc = regions_walk(lib, scan_one, &s);
	if (!rc) {
		struct cxl_memdev *memdev;

		cxl_memdev_foreach(lib, memdev) {
			char **name = array_push(&s.cxl->memdevs, &s.cxl->nr_memdevs, sizeof(*name));

			rc = name ? strdup_to(name, cxl_memdev_get_devname(memdev)) : -ENOMEM;
			if (rc)
				break;
		}
	}
	cxl_unref(lib);
	if (rc) {
		daxpin_cxl_free(s.cxl);
		return rc;
	}
	*out = s.cxl;
	return 0;
}

static int disable_one(struct cxl_bus *bus, struct cxl_decoder *decoder,
		       struct cxl_region *region, void *arg)
{
	int rc;

	(void)bus;
	(void)decoder;
	if (strcmp(cxl_region_get_devname(region), arg) != 0)
		return 0;
	rc = cxl_region_disable(region);
	/* nonzero ends the walk: 1 for done */
	return rc < 0 ? rc : 1;
}

DAXPIN_EXPORT int daxpin_cxl_region_disable(struct daxpin_ctx *ctx, const char *region)
{
	struct cxl_ctx *lib;
	int rc = cxl_open(ctx, &lib);

	if (rc < 0)
		return rc;
	rc = regions_walk(lib, disable_one, (void *)region);
	cxl_unref(lib);
	return rc == 1 ? 0 : rc == 0 ? -ENOENT : rc;
}

DAXPIN_EXPORT const char *daxpin_cxl_target(const char *target)
{
	size_t n = strlen(DAXPIN_CXL_TARGET_PREFIX);

	return strncmp(target, DAXPIN_CXL_TARGET_PREFIX, n) == 0 ? target + n : NULL;
}

DAXPIN_EXPORT const struct daxpin_cxl_region *daxpin_cxl_lookup(const struct daxpin_cxl *cxl,
								const char *region)
{
	for (size_t i = 0; i < cxl->nr_regions; i++)
		if (strcmp(cxl->regions[i].region, region) == 0)
			return &cxl->regions[i];
	return NULL;
}

DAXPIN_EXPORT void daxpin_cxl_free(struct daxpin_cxl *cxl)
{
	if (!cxl)
		return;
	for (size_t i = 0; i < cxl->nr_regions; i++) {
		struct daxpin_cxl_region *r = &cxl->regions[i];

		for (size_t j = 0; j < r->nr_mappings; j++) {
			struct daxpin_cxl_mapping *m = &r->mappings[j];

			for (size_t k = 0; k < m->nr_ports; k++)
				free(m->ports[k]);
			free(m->ports);
			free(m->memdev);
			free(m->decoder);
			free(m->host);
			free(m->endpoint);
		}
		free(r->mappings);
		free(r->region);
		free(r->decoder);
		free(r->bus);
	}
	for (size_t i = 0; i < cxl->nr_memdevs; i++)
		free(cxl->memdevs[i]);
	free(cxl->memdevs);
	free(cxl->regions);
	free(cxl);
}

DAXPIN_EXPORT const struct daxpin_cxl_region *
daxpin_cxl_region_of(const struct daxpin_cxl *cxl, const struct daxpin_region *r,
		     const char **reason)
{
	*reason = NULL;
	for (size_t i = 0; cxl && i < cxl->nr_regions; i++)
		if (cxl->regions[i].nd_region == r)
			return &cxl->regions[i];
	if (r->provider && strcmp(r->provider, "CXL") == 0)
		*reason = r->resource_known ?
			"no committed CXL region decodes its address" :
			"its physical address, which names the CXL region, is shown to root only";
	return NULL;
}

DAXPIN_EXPORT const struct daxpin_cxl_region *
daxpin_cxl_region_of_dax(const struct daxpin_cxl *cxl, const struct daxpin_dax_region *r)
{
	for (size_t i = 0; cxl && i < cxl->nr_regions; i++)
		if (cxl->regions[i].dax_region == r)
			return &cxl->regions[i];
	return NULL;
}

DAXPIN_EXPORT const char *daxpin_cxl_memdev_target(const char *target)
{
	const char *name = daxpin_cxl_target(target);
	size_t digits;

	if (!name)
		name = target;
	if (strncmp(name, "mem", 3) != 0)
		return NULL;
	digits = strspn(name + 3, "0123456789");
	return digits && !name[3 + digits] ? name : NULL;
}

DAXPIN_EXPORT bool daxpin_cxl_memdev_known(const struct daxpin_cxl *cxl, const char *memdev)
{
	for (size_t i = 0; i < cxl->nr_memdevs; i++)
		if (strcmp(cxl->memdevs[i], memdev) == 0)
			return true;
	return false;
}

DAXPIN_EXPORT bool daxpin_cxl_memdev_in(const struct daxpin_cxl_region *r, const char *memdev)
{
	for (size_t i = 0; i < r->nr_mappings; i++)
		if (r->mappings[i].memdev && strcmp(r->mappings[i].memdev, memdev) == 0)
			return true;
	return false;
}

DAXPIN_EXPORT int daxpin_cxl_target_add(struct daxpin_target *t, const struct daxpin_cxl_region *r)
{
	if (r->nd_region)
		return daxpin_target_add_region(t, r->nd_region);
	if (r->dax_region)
		return daxpin_target_add_dax_region(t, r->dax_region);
	return 0;
}
