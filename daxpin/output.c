// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

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
	case 'o': o->output = arg; return true;
	case 'n': o->noheadings = true; return true;
	case 'r': o->raw = true; return true;
	case 'b': o->bytes = true; return true;
	}
	return false;
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

		if (id < 0) {
			fprintf(stderr,
				"daxpin %s: unknown column '%.*s' (see 'daxpin %s --list-columns')\n",
				cmd, (int)len, spec, cmd);
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
		return json_object_new_uint64(bytes);
	human_binary_decimal(buf, sizeof(buf), bytes);
	return json_object_new_string(buf);
}

void json_print(FILE *out, struct json_object *obj)
{
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
}

int parse_timeout(const char *s, unsigned int *ms)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	if (errno || end == s || *end || secs < 0 || secs > 86400)
		return -1;
	*ms = (unsigned int)(secs * 1000);
	/* a limit too small to express is the smallest limit, not none */
	if (secs > 0 && !*ms)
		*ms = 1;
	return 0;
}
