// SPDX-License-Identifier: GPL-2.0-or-later
/* A memory block of system RAM in JSON, for daxpin memory and drain's events. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "memblock_output.h"

/* The kinds of blocking pages, in the order BLOCKERS and JSON give them. */
static const struct {
	const char *name;
	size_t offset;
} blocker_kinds[MEMBLOCK_BLOCKER_KINDS] = {
	{ "referenced", offsetof(struct daxpin_memblock_pages, referenced) },
	{ "pinned", offsetof(struct daxpin_memblock_pages, pinned) },
	{ "slab", offsetof(struct daxpin_memblock_pages, slab) },
	{ "page_tables", offsetof(struct daxpin_memblock_pages, page_tables) },
	{ "reserved", offsetof(struct daxpin_memblock_pages, reserved) },
	{ "kernel", offsetof(struct daxpin_memblock_pages, kernel) },
};

uint64_t memblock_blocker_count(const struct daxpin_memblock_pages *p, size_t kind)
{
	return *(const uint64_t *)((const char *)p + blocker_kinds[kind].offset);
}

const char *memblock_blocker_name(size_t kind)
{
	return blocker_kinds[kind].name;
}

struct json_object *memblock_to_json(const char *device, const struct daxpin_memblock *b,
				     const char *pages_reason, const struct table_options *t)
{
	struct json_object *j = xjson_object();
	struct json_object *pages = NULL;
	char range[64];

	snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, b->start,
		 b->start + b->size - 1);
	xjson_add(j, "range", xjson_string(range));
	xjson_add(j, "size", json_size(b->size, t));
	xjson_add(j, "state", xjson_string(daxpin_memblock_state_name(b->state)));
	xjson_add(j, "removable", xjson_bool(b->removable));
	xjson_add(j, "block", xjson_uint64(b->id));
	xjson_add(j, "node", b->node >= 0 ? xjson_int(b->node) : NULL);
	xjson_add(j, "zones", b->valid_zones ? xjson_string(b->valid_zones) : NULL);
	xjson_add(j, "device", xjson_string(device));
	if (b->pages_known) {
		pages = xjson_object();
		xjson_add(pages, "free", xjson_uint64(b->pages.free));
		xjson_add(pages, "in_use", xjson_uint64(b->pages.in_use));
		for (size_t k = 0; k < ARRAY_SIZE(blocker_kinds); k++)
			xjson_add(pages, blocker_kinds[k].name,
				  xjson_uint64(memblock_blocker_count(&b->pages, k)));
	}
	xjson_add(j, "pages", pages);
	xjson_add(j, "blocking", b->pages_known ? xjson_uint64(daxpin_memblock_blocking(b)) : NULL);
	if (!b->pages_known)
		xjson_add(j, "pages_reason", xjson_string(b->state == DAXPIN_MEMBLOCK_ONLINE ?
							  (pages_reason ? pages_reason : "pages not scanned") :
							  "offline: no pages in use"));
	return j;
}
