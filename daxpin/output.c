// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "output.h"

static void out_of_memory(void)
{
	fprintf(stderr, "daxpin: out of memory\n");
	exit(EXIT_FAILURE_);
}

static struct json_object *checked(struct json_object *j)
{
	if (!j)
		out_of_memory();
	return j;
}

/* The length of the valid UTF-8 sequence at s (RFC 3629), 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], n, min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8 */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

char *str_escape(const char *s, bool control)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), n = 0;
	char *out = malloc(4 * len + 1);

	if (!out)
		out_of_memory();
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len(u + i);

		if (!k || (control && (u[i] < 0x20 || u[i] == 0x7f))) {
			n += (size_t)sprintf(out + n, "\\x%02x", u[i]);
			i++;
			continue;
		}
		memcpy(out + n, s + i, k);
		n += k;
		i += k;
	}
	out[n] = '\0';
	return out;
}

void error_line(const char *fmt, ...)
{
	char *msg, *safe;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		out_of_memory();
	safe = str_escape(msg, true);
	fprintf(stderr, "%s\n", safe);
	free(safe);
	free(msg);
}

struct json_object *xjson_object(void)
{
	return checked(json_object_new_object());
}

struct json_object *xjson_array(void)
{
	return checked(json_object_new_array());
}

struct json_object *xjson_string(const char *s)
{
	struct json_object *j;
	char *safe;

	if (!s)
		return NULL;
	safe = str_escape(s, false);
	j = checked(json_object_new_string(safe));
	free(safe);
	return j;
}

struct json_object *xjson_int(int64_t v)
{
	return checked(json_object_new_int64(v));
}

struct json_object *xjson_uint64(uint64_t v)
{
	return checked(json_object_new_uint64(v));
}

struct json_object *xjson_bool(bool v)
{
	return checked(json_object_new_boolean(v));
}

void xjson_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (json_object_object_add(obj, key, val) < 0)
		out_of_memory();
}

void xjson_append(struct json_object *array, struct json_object *val)
{
	if (json_object_array_add(array, val) < 0)
		out_of_memory();
}

static int column_lookup(const struct column *cols, size_t nr_cols,
			 const char *name, size_t len)
{
	for (size_t i = 0; i < nr_cols; i++)
		if (strlen(cols[i].name) == len &&
		    strncasecmp(cols[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

bool table_option(struct table_options *o, int c, const char *arg)
{
	switch (c) {
	case 'o': o->output = arg; break;
	case 'n': o->noheadings = true; break;
	case 'r': o->raw = true; break;
	case 'b': o->bytes = true; break;
	default: return false;
	}
	o->given = c;
	return true;
}

int columns_select(const char *cmd, const char *spec, const struct column *cols,
		   size_t nr_cols, const int *defaults, size_t nr_defaults,
		   struct column_selection *sel)
{
	sel->nr = 0;
	if (!spec || *spec == '+') {
		memcpy(sel->ids, defaults, nr_defaults * sizeof(*defaults));
		sel->nr = nr_defaults;
		if (spec)
			spec++;
	}
	while (spec && *spec) {
		size_t len = strcspn(spec, ",");
		int id = column_lookup(cols, nr_cols, spec, len);

		if (!len || (spec[len] == ',' && !spec[len + 1])) {
			fprintf(stderr, "daxpin %s: --output has an empty column name; separate names by single commas\n",
				cmd);
			return -1;
		}
		if (id < 0) {
			char *name = strndup(spec, len), *safe;

			if (!name)
				out_of_memory();
			safe = str_escape(name, true);
			fprintf(stderr, "daxpin %s: unknown column '%s' (see 'daxpin %s --list-columns')\n",
				cmd, safe, cmd);
			free(safe);
			free(name);
			return -1;
		}
		if (columns_selected(sel, id)) {
			fprintf(stderr, "daxpin %s: column %s selected twice (+LIST adds to the default columns)\n",
				cmd, cols[id].name);
			return -1;
		}
		if (sel->nr == COLUMNS_MAX) {
			fprintf(stderr, "daxpin %s: more than %d columns requested\n",
				cmd, COLUMNS_MAX);
			return -1;
		}
		sel->ids[sel->nr++] = id;
		spec += len;
		if (*spec == ',')
			spec++;
	}
	if (!sel->nr) {
		fprintf(stderr, "daxpin %s: --output names no column\n", cmd);
		return -1;
	}
	return 0;
}

bool columns_selected(const struct column_selection *sel, int id)
{
	for (size_t i = 0; i < sel->nr; i++)
		if (sel->ids[i] == id)
			return true;
	return false;
}

void columns_print_help(FILE *out, const struct column *cols, size_t nr_cols)
{
	for (size_t i = 0; i < nr_cols; i++)
		fprintf(out, "%14s  %s\n", cols[i].name, cols[i].help);
}

struct libscols_table *table_new(const struct table_options *o,
				 const struct column *cols,
				 const struct column_selection *sel)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	for (size_t i = 0; i < sel->nr; i++) {
		const struct column *c = &cols[sel->ids[i]];
		/* a tree in --raw output would print its indentation as text */
		int flags = o->raw ? c->flags & ~SCOLS_FL_TREE : c->flags;

		if (!scols_table_new_column(tb, c->name, c->whint, flags)) {
			scols_unref_table(tb);
			return NULL;
		}
	}
	return tb;
}

int table_add_line(struct libscols_table *tb, struct libscols_line *parent,
		   const struct column_selection *sel, table_cell_fn *cell, const void *row,
		   struct libscols_line **line)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);

	if (!ln)
		return -ENOMEM;
	for (size_t i = 0; i < sel->nr; i++) {
		char *data = cell(sel->ids[i], row);

		if (data && scols_line_refer_data(ln, i, data) < 0) {
			free(data);
			return -ENOMEM;
		}
	}
	if (line)
		*line = ln;
	return 0;
}

char *printf_str(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : s;
}

char *size_to_str(uint64_t bytes, bool in_bytes)
{
	static const char suffix[] = "BKMGTPE";
	uint64_t whole = bytes, rest = 0;
	unsigned int exp = 0;
	char *s = NULL;
	int rc;

	if (in_bytes) {
		rc = asprintf(&s, "%llu", (unsigned long long)bytes);
		return rc < 0 ? NULL : s;
	}
	while (whole >= 1024 && exp < sizeof(suffix) - 2) {
		rest = whole % 1024;
		whole /= 1024;
		exp++;
	}
	/* one decimal, rounded, dropped when zero: "1.5G", "256M" (lsblk) */
	rest = (rest * 10 + 512) / 1024;
	if (rest == 10) {
		whole++;
		rest = 0;
	}
	if (exp == 0)
		rc = asprintf(&s, "%lluB", (unsigned long long)whole);
	else if (rest)
		rc = asprintf(&s, "%llu.%llu%c", (unsigned long long)whole,
			      (unsigned long long)rest, suffix[exp]);
	else
		rc = asprintf(&s, "%llu%c", (unsigned long long)whole,
			      suffix[exp]);
	return rc < 0 ? NULL : s;
}

static void human_binary_decimal(char *buf, size_t len, uint64_t bytes)
{
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	static const char *const dec[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	double b = (double)bytes, d = (double)bytes;
	unsigned int i = 0, j = 0;

	while (b >= 1024 && i < 5) {
		b /= 1024;
		i++;
	}
	while (d >= 1000 && j < 5) {
		d /= 1000;
		j++;
	}
	snprintf(buf, len, "%.2f %s (%.2f %s)", b, bin[i], d, dec[j]);
}

struct json_object *json_size(uint64_t bytes, const struct table_options *o)
{
	char buf[64];

	if (!o->human_json || bytes < 1024)
		return xjson_uint64(bytes);
	human_binary_decimal(buf, sizeof(buf), bytes);
	return xjson_string(buf);
}

/*
 * The document as printed: each top-level object, or each object of a
 * top-level array, gains "schema_version" (first, for a reader of the
 * pretty form). A copy that shares the members, so the caller's document
 * stays as it built it.
 */
static struct json_object *stamped(struct json_object *obj)
{
	struct json_object *copy;

	if (json_object_is_type(obj, json_type_array)) {
		copy = xjson_array();
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			xjson_append(copy, stamped(json_object_array_get_idx(obj, i)));
		return copy;
	}
	if (!json_object_is_type(obj, json_type_object))
		return json_object_get(obj);
	copy = xjson_object();
	xjson_add(copy, "schema_version", xjson_int(JSON_SCHEMA_VERSION));
	json_object_object_foreach(obj, key, val)
		xjson_add(copy, key, json_object_get(val));
	return copy;
}

static void json_print_flags(FILE *out, struct json_object *obj, int flags)
{
	struct json_object *doc = stamped(obj);
	const char *text = json_object_to_json_string_ext(doc, flags | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text)
		out_of_memory();
	fprintf(out, "%s\n", text);
	json_object_put(doc);
}

void json_print(FILE *out, struct json_object *obj)
{
	json_print_flags(out, obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
}

void json_print_line(FILE *out, struct json_object *obj)
{
	json_print_flags(out, obj, JSON_C_TO_STRING_PLAIN);
	fflush(out);
}
