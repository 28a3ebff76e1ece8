/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_FOLIO_JSON_H
#define DAXPIN_CLI_FOLIO_JSON_H

#include <json-c/json.h>

#include <daxpin/pagestate.h>

/*
 * A busy folio as every command's JSON shows it: {"pfn", "nr_pages",
 * "refcount", "mapcount", "pincount", "refs", "pinned"}; callers add what
 * they know besides (owners, the offset in a file).
 */
struct json_object *busy_folio_to_json(const struct daxpin_page_busy *b);

#endif
