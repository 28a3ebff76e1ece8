/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DRAINLOCK_H
#define DAXPIN_DRAINLOCK_H

#include <sys/types.h>

/*
 * One drain per object at a time: an advisory lock on
 * /run/daxpin/drain-NAME.lock that holds the owner's pid. The kernel drops
 * it when the owner exits, however it exits.
 *
 * Returns the locked descriptor; -EWOULDBLOCK when another process holds
 * it (*holder: its pid, 0 if unknown); another negative errno on failure.
 */
int drain_lock(const char *name, pid_t *holder);
void drain_unlock(int fd);

#endif
