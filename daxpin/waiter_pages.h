/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_WAITER_PAGES_H
#define DAXPIN_CLI_WAITER_PAGES_H

#include <json-c/json.h>

#include <daxpin/daxpin.h>
#include <daxpin/filepages.h>
#include <daxpin/layouts.h>

/* What one waiter's layout break waits for: its file's referenced pages
 * and their owners, or why they are unknown. */
struct waiter_pages {
	const char *reason;	/* NULL: pages is the result */
	struct daxpin_inode_pages pages;
};

/* One per waiter of l, in order; NULL when out of memory. */
struct waiter_pages *waiter_pages_scan(struct daxpin_ctx *ctx, const struct daxpin_layouts *l);
void waiter_pages_free(struct waiter_pages *wp, size_t nr);

/* Adds "pages" (and "owners", "unattributed") to a waiter's object, or
 * null with "pages_reason". */
void waiter_pages_to_json(struct json_object *j, const struct waiter_pages *wp);

/* Table cells: the referenced pages; the owners ("PID COMM pipe fd N"). */
char *waiter_pages_refs_cell(const struct waiter_pages *wp);
char *waiter_pages_owners_cell(const struct waiter_pages *wp);

#endif
