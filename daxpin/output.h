/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_OUTPUT_H
#define DAXPIN_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <libsmartcols.h>

/*
 * The column model shared by every table (lsblk-style): each command
 * defines its columns once; -o picks them ("+LIST" adds to the defaults).
 */
struct column {
	const char *name;
	double whint;
	int flags;		/* SCOLS_FL_* */
	const char *help;
};

#define COLUMNS_MAX 32

struct column_selection {
	int ids[COLUMNS_MAX];
	size_t nr;
};

struct table_options {
	bool raw;
	bool noheadings;
	bool bytes;		/* sizes in bytes instead of 1024-based suffixes */
	bool human_json;	/* JSON sizes as "1.00 GiB (1.07 GB)", like ndctl -u */
	const char *output;	/* -o LIST */
};

/*
 * Applies one of the table options every command shares (-o LIST, -n, -r,
 * -b); false when c is not one of them.
 */
bool table_option(struct table_options *o, int c, const char *arg);

/*
 * Fills sel from spec ("A,B" replaces the defaults, "+A,B" adds to them).
 * Prints one error naming the unknown column and returns -1 on bad input.
 */
int columns_select(const char *cmd, const char *spec, const struct column *cols,
		   size_t nr_cols, const int *defaults, size_t nr_defaults,
		   struct column_selection *sel);
bool columns_selected(const struct column_selection *sel, int id);
void columns_print_help(FILE *out, const struct column *cols, size_t nr_cols);

/* A libsmartcols table with the selected columns, in the requested mode. */
struct libscols_table *table_new(const struct table_options *o,
				 const struct column *cols,
				 const struct column_selection *sel);

/* "256M", "1.5G" (lsblk style), or the plain byte count with --bytes. */
char *size_to_str(uint64_t bytes, bool in_bytes);

/* A JSON size: a number, or ndctl's "1.00 GiB (1.07 GB)" string with -u. */
struct json_object *json_size(uint64_t bytes, const struct table_options *o);

/* Prints a JSON document and a newline, like ndctl (pretty, no escaped slashes). */
void json_print(FILE *out, struct json_object *obj);

/* SECONDS (fractions allowed, at most a day) in ms; 0 is 0; -1 on bad input. */
int parse_timeout(const char *s, unsigned int *ms);

#endif
