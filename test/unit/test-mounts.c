// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libmount.h>

#include "topology/mounts.h"

/* a mountinfo text parsed as the topology parses /proc/self/mountinfo */
static struct libmnt_table *table_of(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct libmnt_table *tb = mnt_new_table();

	assert_non_null(f);
	assert_non_null(tb);
	assert_int_equal(mnt_table_parse_stream(tb, f, "mountinfo"), 0);
	fclose(f);
	return tb;
}

static void xfs_dax_mount(void **state)
{
	struct libmnt_table *tb = table_of(
		"36 25 259:0 / /mnt/pmem rw,relatime shared:1 - xfs /dev/pmem0 rw,attr2,dax=always,inode64\n");
	struct daxpin_mount *m;

	assert_int_equal(mounts_of_blockdev(tb, 259, 0, &m), 1);
	assert_string_equal(m[0].target, "/mnt/pmem");
	assert_string_equal(m[0].fstype, "xfs");
	assert_string_equal(m[0].source, "/dev/pmem0");
	assert_string_equal(m[0].dax, "always");
	mounts_free(m, 1);
	mnt_unref_table(tb);
}

static void escaped_target_and_no_optional_fields(void **state)
{
	struct libmnt_table *tb = table_of(
		"40 25 259:1 / /mnt/my\\040pmem\\012dir rw - ext4 /dev/pmem1 rw,dax\n");
	struct daxpin_mount *m;

	assert_int_equal(mounts_of_blockdev(tb, 259, 1, &m), 1);
	assert_string_equal(m[0].target, "/mnt/my pmem\ndir");
	assert_string_equal(m[0].dax, "always");
	mounts_free(m, 1);
	mnt_unref_table(tb);
}

static void dax_mode_values(void **state)
{
	assert_null(mounts_dax_mode("rw,relatime"));
	assert_null(mounts_dax_mode("rw,daxx,dax=sometimes"));
	assert_string_equal(mounts_dax_mode("rw,dax=inode"), "inode");
	assert_string_equal(mounts_dax_mode("dax=never,rw"), "never");
	assert_string_equal(mounts_dax_mode("dax"), "always");
	assert_null(mounts_dax_mode(""));
	assert_null(mounts_dax_mode(NULL));
}

static void every_mount_of_a_device_past_unparsable_lines(void **state)
{
	struct libmnt_table *tb = table_of(
		"22 1 0:21 / /proc rw - proc proc rw\n"
		"36 25 259:0 / /mnt/a rw - xfs /dev/pmem0 rw,dax=always\n"
		"garbage line\n"
		"37 25 259:1 / /mnt/b rw - ext4 /dev/pmem1 rw\n"
		"38 25 259:0 /sub /srv/bind rw master:3 - xfs /dev/pmem0 rw,dax=always\n");
	struct daxpin_mount *m;
	int n;

	n = mounts_of_blockdev(tb, 259, 0, &m);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].target, "/mnt/a");
	assert_string_equal(m[1].target, "/srv/bind");
	assert_string_equal(m[1].dax, "always");
	mounts_free(m, (size_t)n);
	assert_int_equal(mounts_of_blockdev(tb, 8, 0, &m), 0);
	mounts_free(m, 0);
	mnt_unref_table(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xfs_dax_mount),
		cmocka_unit_test(escaped_target_and_no_optional_fields),
		cmocka_unit_test(dax_mode_values),
		cmocka_unit_test(every_mount_of_a_device_past_unparsable_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
