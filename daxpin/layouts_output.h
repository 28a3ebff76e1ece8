/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_LAYOUTS_OUTPUT_H
#define DAXPIN_CLI_LAYOUTS_OUTPUT_H

#include <stdbool.h>

#include <json-c/json.h>

#include <daxpin/daxpin.h>
#include <daxpin/layouts.h>
#include <daxpin/targets.h>

#include "output.h"
#include "waiter_pages.h"

/* One waiter: {"pid","tid","comm","state","wait_function",...} */
struct json_object *waiter_to_json(const struct daxpin_layout_waiter *w);
/* [waiter...], each with what it waits for when wp (one per waiter) is given */
struct json_object *waiters_to_json(const struct daxpin_layouts *l,
				    const struct waiter_pages *wp);

/* The columns of o->output (-o), else the defaults; prints the error, -1. */
int waiters_columns_select(const char *cmd, const struct table_options *o,
			   struct column_selection *sel);
/* The table of waiters (REFS and OWNERS from wp, one per waiter, or
 * empty); 0 or -ENOMEM. */
int waiters_print_table(const struct daxpin_layouts *l, const struct waiter_pages *wp,
			const struct table_options *o, const struct column_selection *sel);

/* Fills targets[i] from paths[i] (a mount point or a file); prints the error. */
int layouts_targets(const char *cmd, char **paths, int nr, struct daxpin_target *targets);

/*
 * daxpin layouts --files MOUNT...: the files with referenced pages; an
 * exit status.
 */
int layouts_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps, char **mounts,
		  int nr, bool json, const struct table_options *o);

#endif
