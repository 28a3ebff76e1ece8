/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_MEMBLOCK_OUTPUT_H
#define DAXPIN_MEMBLOCK_OUTPUT_H

#include <stdint.h>
#include <daxpin/memory.h>

#include "output.h"

/* The kinds of blocking pages, in the order tables and JSON give them. */
#define MEMBLOCK_BLOCKER_KINDS 6
const char *memblock_blocker_name(size_t kind);
uint64_t memblock_blocker_count(const struct daxpin_memblock_pages *p, size_t kind);

/* One block of device with lsmem's keys, its pages and blocking count (null + reason when unknown). */
struct json_object *memblock_to_json(const char *device, const struct daxpin_memblock *b,
				     const char *pages_reason, const struct table_options *t);

#endif
