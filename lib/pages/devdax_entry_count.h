/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DEVDAX_ENTRY_COUNT_H
#define DAXPIN_DEVDAX_ENTRY_COUNT_H

/*
 * How often device-dax's open and fault handlers were entered, on every
 * device-dax device, counted in the kernel while the watch is open
 * (bpf/devdax_entries.bpf.c). Two equal reads mean that, in between, no
 * process opened a device-dax device or took a reference to one of its
 * pages by a fault, whatever node it used.
 */
#include <stdint.h>

struct daxpin_ctx;
struct devdax_entry_count;

/* 0, or -errno (no BPF, no privilege, or no device_dax module BTF) */
int devdax_entry_count_open(struct daxpin_ctx *ctx, struct devdax_entry_count **out);
uint64_t devdax_entry_count_read(const struct devdax_entry_count *e);
void devdax_entry_count_close(struct devdax_entry_count *e);

#endif
