// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"

static void assert_size_str(uint64_t bytes, bool in_bytes, const char *want)
{
	char *s = size_to_str(bytes, in_bytes);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void sizes_like_lsblk(void **state)
{
	assert_size_str(0, false, "0B");
	assert_size_str(512, false, "512B");
	assert_size_str(4096, false, "4K");
	assert_size_str(2 << 20, false, "2M");
	assert_size_str(268435456, false, "256M");
	assert_size_str(1610612736, false, "1.5G");
	/* 1023.96M rounds up into the next unit's digits, not "1023.10M" */
	assert_size_str(1073700000, false, "1024M");
	assert_size_str(268435456, true, "268435456");
}

static void json_sizes_like_ndctl(void **state)
{
	struct table_options human = { .human_json = true }, plain = {};
	struct json_object *j;

	j = json_size(1073741824, &human);
	assert_string_equal(json_object_get_string(j), "1.00 GiB (1.07 GB)");
	json_object_put(j);
	j = json_size(1073741824, &plain);
	assert_int_equal(json_object_get_uint64(j), 1073741824);
	json_object_put(j);
}

static const struct column cols[] = {
	{ "NAME", 1, 0, "name" },
	{ "SIZE", 1, 0, "size" },
	{ "MODE", 1, 0, "mode" },
};
static const int defaults[] = { 0, 1 };

static void column_selection(void **state)
{
	struct column_selection sel;

	assert_int_equal(columns_select("t", NULL, cols, 3, defaults, 2, &sel), 0);
	assert_int_equal(sel.nr, 2);
	assert_int_equal(columns_select("t", "+mode", cols, 3, defaults, 2, &sel), 0);
	assert_int_equal(sel.nr, 3);
	assert_int_equal(sel.ids[2], 2);
	assert_int_equal(columns_select("t", "MODE,NAME", cols, 3, defaults, 2, &sel), 0);
	assert_int_equal(sel.nr, 2);
	assert_int_equal(sel.ids[0], 2);
	assert_true(columns_selected(&sel, 0));
	assert_false(columns_selected(&sel, 1));
	assert_int_equal(columns_select("t", "NAME,BOGUS", cols, 3, defaults, 2, &sel), -1);
	assert_int_equal(columns_select("t", "", cols, 3, defaults, 2, &sel), -1);
	/* an empty name is an error wherever it is, and no column twice */
	assert_int_equal(columns_select("t", ",", cols, 3, defaults, 2, &sel), -1);
	assert_int_equal(columns_select("t", "NAME,", cols, 3, defaults, 2, &sel), -1);
	assert_int_equal(columns_select("t", "NAME,,SIZE", cols, 3, defaults, 2, &sel), -1);
	assert_int_equal(columns_select("t", "NAME,name", cols, 3, defaults, 2, &sel), -1);
	assert_int_equal(columns_select("t", "+SIZE", cols, 3, defaults, 2, &sel), -1);
}

static void assert_escaped(const char *s, bool control, const char *want)
{
	char *got = str_escape(s, control);

	assert_string_equal(got, want);
	free(got);
}

/* invalid UTF-8 as \xNN, valid multibyte characters kept, control characters on request */
static void escaping(void **state)
{
	assert_escaped("plain/path", true, "plain/path");
	assert_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true,
		       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_escaped("a\xff\xfe" "b", false, "a\\xff\\xfeb");
	/* overlong '/', a UTF-16 surrogate, beyond U+10FFFF, a cut sequence */
	assert_escaped("\xc0\xaf", false, "\\xc0\\xaf");
	assert_escaped("\xed\xa0\x80", false, "\\xed\\xa0\\x80");
	assert_escaped("\xf4\x90\x80\x80", false, "\\xf4\\x90\\x80\\x80");
	assert_escaped("\xe2\x82", false, "\\xe2\\x82");
	assert_escaped("q\n\x1b[0m\x7f", false, "q\n\x1b[0m\x7f");
	assert_escaped("q\n\x1b[0m\x7f", true, "q\\x0a\\x1b[0m\\x7f");
}

/* JSON strings are valid UTF-8 whatever the bytes; NULL is null */
static void json_strings(void **state)
{
	struct json_object *j = xjson_string("t\n\xff");

	assert_string_equal(json_object_to_json_string(j), "\"t\\n\\\\xff\"");
	json_object_put(j);
	assert_null(xjson_string(NULL));
}

/* Prints obj as json_print*() would and returns what was printed. */
static char *printed(struct json_object *obj, bool line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (line)
		json_print_line(f, obj);
	else
		json_print(f, obj);
	fclose(f);
	return buf;
}

static void schema_version_stamped(void **state)
{
	struct json_object *obj = xjson_object(), *arr = xjson_array(), *inner = xjson_object();
	char *s;

	xjson_add(obj, "a", xjson_int(1));
	xjson_add(inner, "b", xjson_array());
	xjson_append(arr, inner);
	xjson_append(arr, xjson_int(2));
	/* an event: first key, one line */
	s = printed(obj, true);
	assert_string_equal(s, "{\"schema_version\":1,\"a\":1}\n");
	free(s);
	/* a top-level array: each object in it, nested ones untouched */
	s = printed(arr, true);
	assert_string_equal(s, "[{\"schema_version\":1,\"b\":[]},2]\n");
	free(s);
	/* the caller's document is as it was built */
	assert_null(json_object_object_get(obj, "schema_version"));
	assert_null(json_object_object_get(inner, "schema_version"));
	s = printed(obj, false);
	assert_non_null(strstr(s, "\"schema_version\": 1"));
	free(s);
	json_object_put(obj);
	json_object_put(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_like_lsblk),
		cmocka_unit_test(json_sizes_like_ndctl),
		cmocka_unit_test(column_selection),
		cmocka_unit_test(escaping),
		cmocka_unit_test(json_strings),
		cmocka_unit_test(schema_version_stamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
