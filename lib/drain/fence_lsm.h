/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_FENCE_LSM_H
#define DAXPIN_FENCE_LSM_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The fence that dies with its drain: a BPF LSM program on file_open
 * (bpf/devdax_fence.bpf.c) that fails opens of the fenced character
 * devices with EBUSY, attached through a link only this process holds.
 * Nothing is renamed; the kernel detaches the program when the process
 * exits, however it exits.
 */
struct daxpin_ctx;
struct fence_lsm;

/*
 * Loads the program and proves that the kernel calls it (an open of
 * /dev/null by this process alone, refused while a probe is attached).
 * 0, or -errno and *out NULL: -EOPNOTSUPP where the BPF LSM is not active
 * or daxpin was built without BPF; why, in *why.
 */
int fence_lsm_open(struct daxpin_ctx *ctx, struct fence_lsm **out, char *why, size_t size);
/* Refuses opens of the character devices devs[0..n) until fence_lsm_lift(). */
int fence_lsm_raise(struct fence_lsm *f, const dev_t *devs, size_t n);
/* Detaches the program; nothing is refused any more. */
void fence_lsm_lift(struct fence_lsm *f);
void fence_lsm_close(struct fence_lsm *f);

#endif
