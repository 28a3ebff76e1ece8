/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CXL_OUTPUT_H
#define DAXPIN_CXL_OUTPUT_H

#include <daxpin/cxl.h>

#include "output.h"

/* The CXL facts a table can show, one per column, with cxl list's names. */
enum cxl_field {
	CXL_FIELD_REGION,
	CXL_FIELD_DECODER,
	CXL_FIELD_INTERLEAVE_WAYS,
	CXL_FIELD_INTERLEAVE_GRANULARITY,
	CXL_FIELD_DECODE_STATE,
	CXL_FIELD_MEMDEV,
	CXL_FIELD_SERIAL,
	CXL_FIELD_HOST,
	CXL_FIELD_PORT,
};

/*
 * A table cell of c (one line per memory device of its interleave set for
 * the per-device fields), or NULL; "-" for the region of an nd region on
 * CXL whose CXL region cannot be told (reason non-NULL).
 */
char *cxl_cell(enum cxl_field field, const struct daxpin_cxl_region *c, const char *reason);

/*
 * Adds "cxl" to an nd or dax region's JSON object: its CXL region (cxl
 * list's keys), or null with "cxl_reason" where it is on CXL but which
 * region cannot be told; nothing for memory that does not come from CXL.
 */
void cxl_add_lineage(struct json_object *j, const struct daxpin_cxl_region *c,
		     const char *reason, const struct table_options *o);

#endif
