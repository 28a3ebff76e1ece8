/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DRAINLOCK_H
#define DAXPIN_DRAINLOCK_H

#include <stdbool.h>
#include <sys/types.h>

/* where drains keep their locks and what a killed one must have undone */
#define DAXPIN_RUN_DIR "/run/daxpin"

/*
 * One drain per object at a time: an advisory lock on
 * /run/daxpin/drain-NAME.lock that holds the owner's pid. The kernel drops
 * it when the owner exits, however it exits.
 *
 * Returns the locked descriptor; -EWOULDBLOCK when another process still
 * holds it after wait_ms (*holder: its pid, 0 if unknown); another negative
 * errno on failure. A drain waits a moment: a command restoring a fence
 * whose owner is gone (fence_repair.c) holds the lock for microseconds.
 */
int drain_lock(const char *name, unsigned int wait_ms, pid_t *holder);
/* The pid the lock file of name holds (its last owner's), 0 if none. */
pid_t drain_lock_owner(const char *name);
/* Whether a drain holds the lock of name; for those who cannot take it (not root). */
bool drain_lock_held(const char *name);
void drain_unlock(int fd);

#endif
