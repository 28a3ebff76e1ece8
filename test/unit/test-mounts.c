// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topology/mounts.h"

static void parse_xfs_dax_line(void **state)
{
	char line[] = "36 25 259:0 / /mnt/pmem rw,relatime shared:1 - xfs /dev/pmem0 rw,attr2,dax=always,inode64\n";
	struct mountinfo_entry e;

	assert_int_equal(mountinfo_parse_line(line, &e), 0);
	assert_int_equal(e.major, 259);
	assert_int_equal(e.minor, 0);
	assert_string_equal(e.target, "/mnt/pmem");
	assert_string_equal(e.fstype, "xfs");
	assert_string_equal(e.source, "/dev/pmem0");
	assert_string_equal(mountinfo_dax_mode(e.super_options), "always");
}

static void parse_escaped_target_and_no_optional_fields(void **state)
{
	char line[] = "40 25 259:1 / /mnt/my\\040pmem\\012dir rw - ext4 /dev/pmem1 rw,dax\n";
	struct mountinfo_entry e;

	assert_int_equal(mountinfo_parse_line(line, &e), 0);
	assert_string_equal(e.target, "/mnt/my pmem\ndir");
	assert_string_equal(mountinfo_dax_mode(e.super_options), "always");
}

static void parse_rejects_truncated_lines(void **state)
{
	char no_separator[] = "36 25 259:0 / /mnt rw shared:1 xfs /dev/pmem0 rw\n";
	char short_line[] = "36 25 259:0 /\n";
	char bad_devnum[] = "36 25 2590 / /mnt rw - xfs /dev/pmem0 rw\n";
	char no_super[] = "36 25 259:0 / /mnt rw - xfs /dev/pmem0\n";
	struct mountinfo_entry e;

	assert_int_equal(mountinfo_parse_line(no_separator, &e), -EINVAL);
	assert_int_equal(mountinfo_parse_line(short_line, &e), -EINVAL);
	assert_int_equal(mountinfo_parse_line(bad_devnum, &e), -EINVAL);
	assert_int_equal(mountinfo_parse_line(no_super, &e), -EINVAL);
}

static void dax_mode_values(void **state)
{
	assert_null(mountinfo_dax_mode("rw,relatime"));
	assert_null(mountinfo_dax_mode("rw,daxx,dax=sometimes"));
	assert_string_equal(mountinfo_dax_mode("rw,dax=inode"), "inode");
	assert_string_equal(mountinfo_dax_mode("dax=never,rw"), "never");
	assert_string_equal(mountinfo_dax_mode("dax"), "always");
	assert_null(mountinfo_dax_mode(""));
}

static void mounts_of_blockdev_finds_every_mount(void **state)
{
	static const char text[] =
		"22 1 0:21 / /proc rw - proc proc rw\n"
		"36 25 259:0 / /mnt/a rw - xfs /dev/pmem0 rw,dax=always\n"
		"garbage line\n"
		"37 25 259:1 / /mnt/b rw - ext4 /dev/pmem1 rw\n"
		"38 25 259:0 /sub /srv/bind rw - xfs /dev/pmem0 rw,dax=always\n";
	struct daxpin_mount *m;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	int n;

	assert_non_null(f);
	n = mounts_of_blockdev(f, 259, 0, &m);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].target, "/mnt/a");
	assert_string_equal(m[1].target, "/srv/bind");
	assert_string_equal(m[1].dax, "always");
	mounts_free(m, (size_t)n);
	assert_int_equal(mounts_of_blockdev(f, 8, 0, &m), 0);
	mounts_free(m, 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_xfs_dax_line),
		cmocka_unit_test(parse_escaped_target_and_no_optional_fields),
		cmocka_unit_test(parse_rejects_truncated_lines),
		cmocka_unit_test(dax_mode_values),
		cmocka_unit_test(mounts_of_blockdev_finds_every_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
