// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/PID/status as the kernel writes it, including the lines that broke a fixed buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daxpin/holders.h>

#include "holders/procstatus.h"

static void parse(const char *text, struct daxpin_process *p)
{
	memset(p, 0, sizeof(*p));
	procstatus_parse(text, strlen(text), p);
}

static void fields(void **state)
{
	struct daxpin_process p;

	parse("Name:\tpostgres\nUmask:\t0077\nState:\tS (sleeping)\n"
	      "Uid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\n"
	      "VmPin:\t     512 kB\nThreads:\t1\n", &p);
	assert_string_equal(p.comm, "postgres");
	assert_int_equal(p.uid, 1001);
	assert_int_equal(p.vm_pinned_bytes, 512 * 1024);
}

/* 65536 supplementary groups make a Groups: line of ~400 KiB before VmPin */
static void long_groups_line_keeps_vmpin(void **state)
{
	size_t n = 65536, len = 0;
	char *text = malloc(n * 8 + 256);
	struct daxpin_process p;

	assert_non_null(text);
	len += (size_t)sprintf(text, "Name:\tib_write_bw\nUid:\t0\t0\t0\t0\nGroups:\t");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%zu ", 100000 + i);
	sprintf(text + len, "\nVmPin:\t 1048576 kB\n");
	parse(text, &p);
	assert_int_equal(p.vm_pinned_bytes, 1ULL << 30);
	free(text);
}

/* proc_task_name escapes '\n' and '\\' only; comm is the raw name, as BPF reads it */
static void name_unescaped(void **state)
{
	struct daxpin_process p;

	parse("Name:\tq\\n\xff\\\\\tx\n", &p);
	assert_string_equal(p.comm, "q\n\xff\\\tx");
	parse("Name:\t\\x41 \\\n", &p);
	assert_string_equal(p.comm, "\\x41 \\");
}

/* no NUL, no final newline, numbers out of range: nothing read past the end */
static void malformed(void **state)
{
	static const char cut[] = "Name:\tabc\nVmPin:\t99999999999999999999999 kB\nUid:\t1";
	struct daxpin_process p = { 0 };

	procstatus_parse(cut, sizeof(cut) - 1, &p);
	assert_string_equal(p.comm, "abc");
	assert_int_equal(p.vm_pinned_bytes, 0);
	assert_int_equal(p.uid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(long_groups_line_keeps_vmpin),
		cmocka_unit_test(name_unescaped),
		cmocka_unit_test(malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
