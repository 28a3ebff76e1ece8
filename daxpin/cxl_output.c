// SPDX-License-Identifier: GPL-2.0-or-later
/* The CXL lineage of daxpin list, with the key names of `cxl list`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxl_output.h"

/* one line per mapping, as MOUNTPOINTS has one per mount */
static char *per_mapping(enum cxl_field field, const struct daxpin_cxl_region *c)
{
	char *s = NULL;

	for (size_t i = 0; i < c->nr_mappings; i++) {
		const struct daxpin_cxl_mapping *m = &c->mappings[i];
		char *next;
		int rc;
		/* the port the device hangs from: its endpoint's parent */
		const char *v = field == CXL_FIELD_MEMDEV ? m->memdev :
				field == CXL_FIELD_HOST ? m->host :
				m->nr_ports ? m->ports[0] : NULL;

		if (field == CXL_FIELD_SERIAL)
			rc = asprintf(&next, "%s%s%" PRIu64, s ? s : "", s ? "\n" : "", m->serial);
		else
			rc = asprintf(&next, "%s%s%s", s ? s : "", s ? "\n" : "", v ? v : "-");
		free(s);
		if (rc < 0)
			return NULL;
		s = next;
	}
	return s;
}

char *cxl_cell(enum cxl_field field, const struct daxpin_cxl_region *c, const char *reason)
{
	char *s;

	if (!c)
		return reason && field == CXL_FIELD_REGION ? strdup("-") : NULL;
	switch (field) {
	case CXL_FIELD_REGION:
		return strdup(c->region);
	case CXL_FIELD_DECODER:
		return strdup(c->decoder);
	case CXL_FIELD_INTERLEAVE_WAYS:
	case CXL_FIELD_INTERLEAVE_GRANULARITY:
		return asprintf(&s, "%u", field == CXL_FIELD_INTERLEAVE_WAYS ?
				c->interleave_ways : c->interleave_granularity) < 0 ? NULL : s;
	case CXL_FIELD_DECODE_STATE:
		return strdup(c->committed ? "commit" : "reset");
	case CXL_FIELD_MEMDEV:
	case CXL_FIELD_SERIAL:
	case CXL_FIELD_HOST:
	case CXL_FIELD_PORT:
		return per_mapping(field, c);
	}
	return NULL;
}

static void add_string(struct json_object *j, const char *key, const char *s)
{
	if (s)
		xjson_add(j, key, xjson_string(s));
}

static struct json_object *mapping_to_json(const struct daxpin_cxl_mapping *m)
{
	struct json_object *j = xjson_object();
	struct json_object *ports = xjson_array();

	xjson_add(j, "position", xjson_uint64(m->position));
	add_string(j, "memdev", m->memdev);
	add_string(j, "decoder", m->decoder);
	if (m->memdev)
		xjson_add(j, "serial", xjson_uint64(m->serial));
	add_string(j, "host", m->host);
	add_string(j, "endpoint", m->endpoint);
	/* the endpoint's parent first, up to the host bridge's port */
	for (size_t i = 0; i < m->nr_ports; i++)
		xjson_append(ports, xjson_string(m->ports[i]));
	xjson_add(j, "ports", ports);
	return j;
}

void cxl_add_lineage(struct json_object *j, const struct daxpin_cxl_region *c,
		     const char *reason, const struct table_options *o)
{
	struct json_object *r, *mappings;

	if (!c) {
		if (reason) {
			xjson_add(j, "cxl", NULL);
			add_string(j, "cxl_reason", reason);
		}
		return;
	}
	r = xjson_object();
	mappings = xjson_array();
	add_string(r, "region", c->region);
	add_string(r, "bus", c->bus);
	add_string(r, "decoder", c->decoder);
	xjson_add(r, "resource", xjson_uint64(c->resource));
	xjson_add(r, "size", json_size(c->size, o));
	xjson_add(r, "interleave_ways", xjson_uint64(c->interleave_ways));
	xjson_add(r, "interleave_granularity", xjson_uint64(c->interleave_granularity));
	add_string(r, "decode_state", c->committed ? "commit" : "reset");
	if (!c->enabled)
		add_string(r, "state", "disabled");
	for (size_t i = 0; i < c->nr_mappings; i++)
		xjson_append(mappings, mapping_to_json(&c->mappings[i]));
	xjson_add(r, "mappings", mappings);
	xjson_add(j, "cxl", r);
}
