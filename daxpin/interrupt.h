/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_INTERRUPT_H
#define DAXPIN_CLI_INTERRUPT_H

#include <signal.h>

/*
 * SIGINT and SIGTERM as an event instead of a death: a command that must
 * not stop half-way (drain: never between fencing and unbinding) blocks
 * them and polls the descriptor, which becomes readable when one arrives.
 * The command then exits with EXIT_INTERRUPTED, having changed nothing.
 *
 * interrupt_fd_open() returns the descriptor (a signalfd; close() it), or
 * -1 with errno set; interrupt_signal() takes the signal that arrived off
 * it and returns its number, or 0 when none did.
 */
int interrupt_fd_open(void);
int interrupt_signal(int fd);

/*
 * For a loop that polls anyway (or a library call that takes a stop flag):
 * from now on SIGINT and SIGTERM only set the flag this returns.
 */
volatile sig_atomic_t *interrupt_flag_install(void);

#endif
