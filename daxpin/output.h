/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_OUTPUT_H
#define DAXPIN_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <libsmartcols.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
	int given;		/* the last of -o, -n, -r, -b given, 0 if none */
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

/*
 * A line of tb under parent (NULL: at the top) with a cell for each
 * selected column, cell(column id, row) made (NULL: empty; tb frees the
 * text); the line in *line unless line is NULL. 0 or -ENOMEM.
 */
typedef char *table_cell_fn(int id, const void *row);
int table_add_line(struct libscols_table *tb, struct libscols_line *parent,
		   const struct column_selection *sel, table_cell_fn *cell, const void *row,
		   struct libscols_line **line);

/* A table cell printed with printf's format: NULL (an empty cell) when out of memory. */
__attribute__((format(printf, 1, 2)))
char *printf_str(const char *fmt, ...);

/* "256M", "1.5G" (lsblk style), or the plain byte count with --bytes. */
char *size_to_str(uint64_t bytes, bool in_bytes);

/* A JSON size: a number, or ndctl's "1.00 GiB (1.07 GB)" string with -u. */
struct json_object *json_size(uint64_t bytes, const struct table_options *o);

/*
 * s made safe to print: each byte that is not part of valid UTF-8 becomes
 * the four characters \xNN (hex), and with control set each control
 * character (U+0000-U+001F, U+007F) too, so a name with a newline stays on
 * its line. Ends the program when out of memory, as the x*() below.
 */
char *str_escape(const char *s, bool control);

/*
 * An error message on stderr as one line, whatever the user-given names in
 * it hold: formatted, then escaped as str_escape(msg, true), then "\n".
 */
void error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * json-c constructors that end the program (exit 1, one line on stderr)
 * when an allocation fails, like util-linux's xalloc: a value silently
 * missing would read as null, a wrong answer. xjson_string(NULL) is JSON
 * null; any other string goes through str_escape(s, false), so every
 * document is valid UTF-8 (json-c escapes the control characters).
 */
struct json_object *xjson_object(void);
struct json_object *xjson_array(void);
struct json_object *xjson_string(const char *s);
struct json_object *xjson_int(int64_t v);
struct json_object *xjson_uint64(uint64_t v);
struct json_object *xjson_bool(bool v);
/* obj[key] = val (val NULL: JSON null); array += val */
void xjson_add(struct json_object *obj, const char *key, struct json_object *val);
void xjson_append(struct json_object *array, struct json_object *val);

/*
 * The major version of every JSON output's schema (schema/NAME.schema.json):
 * within it fields are added, never renamed, retyped or removed. Every
 * top-level object printed carries it as "schema_version": the document,
 * each element of a top-level array, each JSON Lines event.
 */
#define JSON_SCHEMA_VERSION 1

/* Prints a JSON document and a newline, like ndctl (pretty, no escaped slashes). */
void json_print(FILE *out, struct json_object *obj);
/* One JSON Lines event: the object on one line, flushed at once. */
void json_print_line(FILE *out, struct json_object *obj);

#endif
