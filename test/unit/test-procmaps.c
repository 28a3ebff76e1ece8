// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/PID/maps lines as fs/proc/task_mmu.c prints them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "holders/procmaps.h"

static int parse(const char *line, struct procmaps_entry *e)
{
	return procmaps_parse_line(line, strlen(line), e);
}

static void devdax_mapping(void **state)
{
	const char *line = "7f3a00000000-7f3a10000000 rw-s 00000000 00:05 812                        /dev/dax0.0";
	struct procmaps_entry e;
	unsigned int major, minor;
	uint64_t ino;
	char path[64];

	assert_int_equal(parse(line, &e), 0);
	assert_true(e.start == 0x7f3a00000000ULL && e.end == 0x7f3a10000000ULL);
	assert_true(e.readable && e.writable && !e.executable && e.shared);
	assert_int_equal(e.major, 0);
	assert_int_equal(e.minor, 5);
	assert_int_equal(e.inode, 812);
	assert_int_equal(procmaps_path(&e, path, sizeof(path)), 11);
	assert_string_equal(path, "/dev/dax0.0");
	assert_false(procmaps_path_deleted(&e));

	assert_int_equal(procmaps_parse_id(line, strlen(line), &major, &minor, &ino), 0);
	assert_int_equal(major, 0);
	assert_int_equal(minor, 5);
	assert_int_equal(ino, 812);
}

static void deleted_file_with_spaces_and_newline(void **state)
{
	const char *line = "7f0000001000-7f0000003000 r--p 00002000 103:02 1234567                    /mnt/pmem/my data\\012file (deleted)";
	struct procmaps_entry e;
	char path[64];

	assert_int_equal(parse(line, &e), 0);
	/* three hex digits of major: 259 */
	assert_int_equal(e.major, 259);
	assert_int_equal(e.minor, 2);
	assert_int_equal(e.offset, 0x2000);
	assert_false(e.shared);
	assert_true(procmaps_path_deleted(&e));
	assert_int_equal(procmaps_path(&e, path, sizeof(path)), 22);
	assert_string_equal(path, "/mnt/pmem/my data\nfile");
	/* one byte short for the NUL */
	assert_int_equal(procmaps_path(&e, path, 22), -ENAMETOOLONG);
}

static void backslash_other_than_newline_escape(void **state)
{
	/* a backslash not followed by 012 stays as it is */
	const char *line = "1000-2000 rw-p 00000000 08:01 42 /tmp/a\\b\\01";
	struct procmaps_entry e;
	char path[64];

	assert_int_equal(parse(line, &e), 0);
	assert_int_equal(procmaps_path(&e, path, sizeof(path)), 11);
	assert_string_equal(path, "/tmp/a\\b\\01");
}

static void huge_offsets_and_files(void **state)
{
	/* 5-level paging addresses, a 64-bit offset, an inode beyond 32 bits */
	const char *line = "ff0000000000000-ff0000040000000 rw-s fffffffffffff000 fe:fffff 18446744073709551615 /mnt/pmem/huge";
	struct procmaps_entry e;

	assert_int_equal(parse(line, &e), 0);
	assert_true(e.start == 0xff0000000000000ULL);
	assert_true(e.end - e.start == 0x40000000ULL);
	assert_true(e.offset == 0xfffffffffffff000ULL);
	assert_int_equal(e.major, 0xfe);
	assert_int_equal(e.minor, 0xfffff);
	assert_true(e.inode == UINT64_MAX);
}

static void anonymous_and_special_mappings(void **state)
{
	static const char *const special[] = {
		"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]",
		"7ffd1c6f0000-7ffd1c711000 rw-p 00000000 00:00 0                          [stack]",
		"7ffd1c7f2000-7ffd1c7f4000 r-xp 00000000 00:00 0                          [vdso]",
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0                          [anon:my name]",
	};
	struct procmaps_entry e;
	char path[32];

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		assert_int_equal(parse(special[i], &e), 0);
		assert_int_equal(e.inode, 0);
		assert_non_null(e.path);
		assert_int_equal(e.path[0], '[');
	}
	/* plain anonymous memory: no path at all, with or without the trailing space */
	assert_int_equal(parse("7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ", &e), 0);
	assert_null(e.path);
	assert_int_equal(procmaps_path(&e, path, sizeof(path)), -ENOENT);
	assert_int_equal(parse("7f0000000000-7f0000100000 ---p 00000000 00:00 0", &e), 0);
	assert_null(e.path);
	assert_false(e.readable || e.writable || e.executable);
}

static void rejects_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"7f00-7f10",
		"7f00-7f10 rw-s",
		"7f00 7f10 rw-s 00000000 00:05 812",
		"7f10-7f00 rw-s 00000000 00:05 812",		/* end before start */
		"7f00-7f10 rwzs 00000000 00:05 812",
		"7f00-7f10 rw-s 00000000 0005 812",
		"7f00-7f10 rw-s 00000000 00:05 81x2 /a",
		"7f00-7f10 rw-s 00000000 00:05 /a",
		"7f00-7f10 rw-s 10000000000000000 00:05 1",	/* offset overflows 64 bits */
		"7f00-7f10 rw-s 0 00:05 18446744073709551616",	/* inode overflows */
		"7f00-7f10 rw-s 0 1000:05 1",			/* major beyond 12 bits */
	};
	struct procmaps_entry e;
	unsigned int major, minor;
	uint64_t ino;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &e), -EINVAL);
	assert_int_equal(procmaps_parse_id("7f00-7f10 rw-s 0", 16, &major, &minor, &ino), -EINVAL);
	assert_int_equal(procmaps_parse_id("7f00-7f10 rw-s 0 00:05", 22, &major, &minor, &ino), -EINVAL);
}

/* A scan hands the parser lines cut out of a buffer, not strings. */
static void line_not_nul_terminated(void **state)
{
	const char buf[] = "1000-2000 r--s 00000000 00:05 9 /dev/dax1.0\n3000-4000";
	size_t len = (size_t)(strchr(buf, '\n') - buf);
	struct procmaps_entry e;
	char path[32];

	assert_int_equal(procmaps_parse_line(buf, len, &e), 0);
	assert_int_equal(procmaps_path(&e, path, sizeof(path)), 11);
	assert_string_equal(path, "/dev/dax1.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(devdax_mapping),
		cmocka_unit_test(deleted_file_with_spaces_and_newline),
		cmocka_unit_test(backslash_other_than_newline_escape),
		cmocka_unit_test(huge_offsets_and_files),
		cmocka_unit_test(anonymous_and_special_mappings),
		cmocka_unit_test(rejects_malformed_lines),
		cmocka_unit_test(line_not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
