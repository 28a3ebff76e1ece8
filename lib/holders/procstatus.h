/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PROCSTATUS_H
#define DAXPIN_PROCSTATUS_H

#include <stddef.h>

struct daxpin_process;

/*
 * The fields of /proc/PID/status (fs/proc/array.c) a holder needs: Name
 * into comm, the effective uid of Uid, and VmPin. text has len bytes and
 * need not end in NUL; lines of any length (a Groups: line of 65536 gids)
 * are fine. Name comes unescaped: the kernel writes "\n" and "\\" of a
 * process name as two characters each (proc_task_name), and comm holds the
 * name as the task's comm has it, as the BPF iterators read it.
 */
void procstatus_parse(const char *text, size_t len, struct daxpin_process *p);

#endif
