// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include "layouts/taskwait.h"

/* /proc/PID/stack of a same-size truncate on XFS, Debian 7.2 */
static void stack_innermost_wait_function(void **state)
{
	const char *text =
		"[<0>] xfs_wait_dax_page+0x2d/0x40 [xfs]\n"
		"[<0>] dax_break_layout+0x11e/0x170\n"
		"[<0>] xfs_break_layouts+0x67/0xc0 [xfs]\n"
		"[<0>] xfs_vn_setattr+0x6c/0x130 [xfs]\n"
		"[<0>] notify_change+0x1e6/0x4c0\n";
	const char *fn;
	char *out = kstack_functions(text, &fn);

	assert_non_null(out);
	assert_string_equal(fn, "xfs_wait_dax_page");
	assert_string_equal(out, "xfs_wait_dax_page\ndax_break_layout\nxfs_break_layouts\n"
				 "xfs_vn_setattr\nnotify_change\n");
	free(out);
}

/* 6.1 inlines the wait into xfs_break_dax_layouts; eviction on 6.15+ */
static void stack_other_kernels(void **state)
{
	const char *fn;
	char *out = kstack_functions("[<0>] xfs_break_dax_layouts+0x8b/0xf0 [xfs]\n"
				     "[<0>] xfs_break_layouts+0x5b/0xa0 [xfs]", &fn);

	assert_string_equal(fn, "xfs_break_dax_layouts");
	free(out);
	out = kstack_functions("[<0>] dax_break_layout_final+0xa5/0xd0\n"
			       "[<0>] xfs_fs_destroy_inode+0x40/0x90 [xfs]\n", &fn);
	assert_string_equal(fn, "dax_break_layout_final");
	free(out);
}

static void stack_without_layout_wait(void **state)
{
	const char *fn;
	char *out = kstack_functions("[<0>] do_nanosleep+0x6e/0x190\n", &fn);

	assert_null(fn);
	assert_string_equal(out, "do_nanosleep\n");
	free(out);
	out = kstack_functions("", &fn);
	assert_null(fn);
	assert_string_equal(out, "");
	free(out);
}

static void wait_function_names_exactly(void **state)
{
	assert_string_equal(layout_wait_function("ext4_wait_dax_page", 18), "ext4_wait_dax_page");
	/* a prefix or a longer name is another function */
	assert_null(layout_wait_function("dax_break", 9));
	assert_null(layout_wait_function("dax_break_layout_finalx", 23));
	assert_null(layout_wait_function("0", 1));
}

static void sched_exec_start(void **state)
{
	const char *text =
		"truncate (812, #threads: 1)\n"
		"-------------------------------------------------------------------\n"
		"se.exec_start                                :         20317.004321\n"
		"se.vruntime                                  :             2.931455\n";

	assert_int_equal(sched_exec_start_ns(text), 20317004321LL);
	assert_int_equal(sched_exec_start_ns("se.vruntime : 1.0\n"), -1);
}

static void syscall_lines(void **state)
{
	unsigned long a[6] = { 0 };
	long nr;

	assert_int_equal(syscall_parse("77 0x3 0x1000 0x0 0x0 0x7ffd 0x0 0x7ffd5e8 0x7f12\n", &nr, a), 0);
	assert_int_equal(nr, 77);
	assert_int_equal(a[0], 3);
	assert_int_equal(a[1], 0x1000);
	assert_int_equal(syscall_parse("-1 0x7ffd5e8 0x7f12\n", &nr, a), 0);
	assert_int_equal(nr, -1);
	assert_int_equal(syscall_parse("running\n", &nr, a), -1);
}

static void operation_names(void **state)
{
	assert_string_equal(fallocate_mode(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE),
			    "fallocate punch-hole");
	assert_string_equal(fallocate_mode(0), "fallocate");
	assert_string_equal(ioctl_name(FICLONE), "ioctl FICLONE");
	assert_string_equal(ioctl_name(FIDEDUPERANGE), "ioctl FIDEDUPERANGE");
	assert_string_equal(ioctl_name(0x5401), "ioctl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stack_innermost_wait_function),
		cmocka_unit_test(stack_other_kernels),
		cmocka_unit_test(stack_without_layout_wait),
		cmocka_unit_test(wait_function_names_exactly),
		cmocka_unit_test(sched_exec_start),
		cmocka_unit_test(syscall_lines),
		cmocka_unit_test(operation_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
