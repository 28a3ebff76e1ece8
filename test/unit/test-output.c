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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_like_lsblk),
		cmocka_unit_test(json_sizes_like_ndctl),
		cmocka_unit_test(column_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
