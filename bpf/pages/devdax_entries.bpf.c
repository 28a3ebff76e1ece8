// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * Counts entries into device-dax's open and fault handlers, all devices
 * together. A drain reads the count before a holders scan and again behind
 * its fence: unchanged, nobody opened a device-dax device or faulted one of
 * its pages in between, through any node of any name, so the scan's
 * "nobody" still holds and the fenced check need not scan again.
 *
 * Faults, not mmap: mmap is dax_mmap before 6.17 and dax_mmap_prepare
 * after, the fault handlers have kept their names; and no page reference
 * is taken but by a fault (gup faults too).
 */
#include "../core/daxpin_core.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 entries;

SEC("fentry/dax_open")
int devdax_open(void *ctx)
{
	__sync_fetch_and_add(&entries, 1);
	return 0;
}

SEC("fentry/dev_dax_fault")
int devdax_fault(void *ctx)
{
	__sync_fetch_and_add(&entries, 1);
	return 0;
}

SEC("fentry/dev_dax_huge_fault")
int devdax_huge_fault(void *ctx)
{
	__sync_fetch_and_add(&entries, 1);
	return 0;
}
