// SPDX-License-Identifier: GPL-2.0-or-later
#include "folio_json.h"
#include "output.h"

struct json_object *busy_folio_to_json(const struct daxpin_page_busy *b)
{
	struct json_object *j = xjson_object();

	xjson_add(j, "pfn", xjson_uint64(b->pfn));
	xjson_add(j, "nr_pages", xjson_int((int)b->nr_pages));
	xjson_add(j, "refcount", xjson_int(b->refcount));
	xjson_add(j, "mapcount", xjson_int(b->mapcount));
	xjson_add(j, "pincount", xjson_int(b->pincount));
	xjson_add(j, "refs", xjson_uint64(b->refs));
	xjson_add(j, "pinned", xjson_bool(b->pinned));
	return j;
}
