/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_TASKWAIT_H
#define DAXPIN_TASKWAIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parsers for what /proc tells of a sleeping thread: where it sleeps
 * (wchan, stack), in which system call (syscall) and since when (sched).
 */

/* The layout-break wait function named by name[0..len), or NULL. */
const char *layout_wait_function(const char *name, size_t len);

/*
 * The function names of a /proc/PID/stack text ("[<0>] fn+0x2d/0x40 [mod]"
 * lines), one per line, in a new string (NULL when out of memory); sets
 * *wait_fn to the innermost layout-break wait function, if any.
 */
char *kstack_functions(const char *text, const char **wait_fn);

/* se.exec_start of a /proc/PID/sched text in nanoseconds, or -1. */
int64_t sched_exec_start_ns(const char *text);

/*
 * "NR ARG1 ... ARG6 SP PC" of /proc/PID/syscall ("-1 SP PC" outside a
 * system call, "running" for a running thread); 0, or -1 when there is
 * no number.
 */
int syscall_parse(const char *text, long *nr, unsigned long args[6]);

/* "fallocate punch-hole"... for a fallocate() mode */
const char *fallocate_mode(unsigned long mode);
/* "ioctl FICLONE"... for an ioctl() request */
const char *ioctl_name(unsigned long cmd);

#endif
