// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include "taskwait.h"

/*
 * The functions a layout break sleeps in, as they show in a kernel stack or
 * in wchan (which names the innermost function outside the scheduler).
 * Read from the sources of 6.1 and 7.x and checked against the symbols of
 * Debian's 6.1 and 7.2 kernels: where a wait helper is static and inlined,
 * its caller is what shows.
 */
static const char *const wait_functions[] = {
	/* 6.15+: fs/dax.c, the filesystem's callback sleeps */
	"xfs_wait_dax_page",
	"ext4_wait_dax_page",
	"fuse_wait_dax_page",
	"wait_page_idle",
	/* 6.15+: inode eviction, uninterruptible */
	"wait_page_idle_uninterruptible",
	"dax_break_layout_final",
	"dax_break_layout",
	/* 6.1: the wait is inlined into these */
	"xfs_break_dax_layouts",
	"ext4_break_layouts",
	"__fuse_dax_break_layouts",
	"fuse_dax_break_layouts",
};

const char *layout_wait_function(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(wait_functions) / sizeof(wait_functions[0]); i++)
		if (strlen(wait_functions[i]) == len &&
		    strncmp(name, wait_functions[i], len) == 0)
			return wait_functions[i];
	return NULL;
}

const char *fallocate_mode(unsigned long mode)
{
	if (mode & FALLOC_FL_PUNCH_HOLE)
		return "fallocate punch-hole";
	if (mode & FALLOC_FL_COLLAPSE_RANGE)
		return "fallocate collapse-range";
	if (mode & FALLOC_FL_INSERT_RANGE)
		return "fallocate insert-range";
	if (mode & FALLOC_FL_ZERO_RANGE)
		return "fallocate zero-range";
	return "fallocate";
}

const char *ioctl_name(unsigned long cmd)
{
	switch (cmd) {
	case FICLONE: return "ioctl FICLONE";
	case FICLONERANGE: return "ioctl FICLONERANGE";
	case FIDEDUPERANGE: return "ioctl FIDEDUPERANGE";
	}
	return "ioctl";
}

char *kstack_functions(const char *text, const char **wait_fn)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *line = text;

	if (!out)
		return NULL;
	*wait_fn = NULL;
	while (*line) {
		size_t line_len = strcspn(line, "\n");
		const char *fn = memchr(line, ']', line_len);

		if (fn) {
			size_t len;

			fn += 1 + strspn(fn + 1, " ");
			len = strcspn(fn, "+ \n");
			if (!*wait_fn)
				*wait_fn = layout_wait_function(fn, len);
			memcpy(o, fn, len);
			o += len;
			*o++ = '\n';
		}
		line += line_len + (line[line_len] == '\n');
	}
	*o = '\0';
	return out;
}

int64_t sched_exec_start_ns(const char *text)
{
	const char *p = strstr(text, "se.exec_start");
	unsigned long long ms, rest;

	/* "se.exec_start   :   12345.678901": milliseconds, 6 digits of ns */
	if (!p || sscanf(p, "se.exec_start %*[ :] %llu.%llu", &ms, &rest) != 2)
		return -1;
	return (int64_t)(ms * 1000000ULL + rest);
}

int syscall_parse(const char *text, long *nr, unsigned long args[6])
{
	return sscanf(text, "%ld %lx %lx %lx %lx %lx %lx", nr, &args[0], &args[1],
		      &args[2], &args[3], &args[4], &args[5]) < 1 ? -1 : 0;
}
