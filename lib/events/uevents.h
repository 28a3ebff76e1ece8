/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_UEVENTS_H
#define DAXPIN_UEVENTS_H

/*
 * Device events seen after an unbind, to verify it: opened before the
 * unbind, so that no event is missed. Events come from udev once udev has
 * handled them (nodes and links done) where udevd runs, else straight from
 * the kernel (devtmpfs has then already removed the node).
 */

struct daxpin_ctx;
struct uevents;

/* 0, or a negative errno (then nothing is watched and *out is NULL) */
int uevents_open(struct daxpin_ctx *ctx, struct uevents **out);

/*
 * Waits up to timeout_ms for ACTION ("unbind", "remove") on the device
 * SUBSYSTEM/SYSNAME, also one that came before the call. 0 when seen,
 * -ETIMEDOUT, or a negative errno.
 */
int uevents_wait(struct uevents *w, const char *subsystem, const char *sysname,
		 const char *action, int timeout_ms);
void uevents_close(struct uevents *w);

#endif
