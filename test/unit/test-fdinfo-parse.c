// SPDX-License-Identifier: GPL-2.0-or-later
/* holders_fdinfo_parse(): the mount id and inode of /proc/PID/fdinfo/N text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "holders/holders_internal.h"

static void test_regular_file(void **state)
{
	int mnt_id = 0;
	uint64_t ino = 0;

	(void)state;
	assert_true(holders_fdinfo_parse("pos:\t0\nflags:\t0100002\nmnt_id:\t27\nino:\t10953027\n",
					 &mnt_id, &ino));
	assert_int_equal(mnt_id, 27);
	assert_int_equal(ino, 10953027);
}

/* what a file's show_fdinfo adds after ino (an epoll's watches) is ignored */
static void test_lines_after(void **state)
{
	int mnt_id = 0;
	uint64_t ino = 0;

	(void)state;
	assert_true(holders_fdinfo_parse("pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t18446744073709551615\n"
					 "tfd:        5 events:       19 data:                5  pos:0 ino:3f sdev:e\n",
					 &mnt_id, &ino));
	assert_int_equal(mnt_id, 15);
	assert_true(ino == UINT64_MAX);
}

/* before Linux 5.14 there is no ino: nothing can match */
static void test_without_ino(void **state)
{
	int mnt_id;
	uint64_t ino;

	(void)state;
	assert_false(holders_fdinfo_parse("pos:\t0\nflags:\t02\nmnt_id:\t15\n", &mnt_id, &ino));
}

/* a read cut short in a number */
static void test_truncated(void **state)
{
	int mnt_id;
	uint64_t ino;

	(void)state;
	assert_false(holders_fdinfo_parse("pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1095", &mnt_id, &ino));
	assert_false(holders_fdinfo_parse("pos:\t0\nflags:\t02\nmnt_id:\t1", &mnt_id, &ino));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_lines_after),
		cmocka_unit_test(test_without_ino),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
