/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_PAGESCAN_ABI_H
#define DAXPIN_PAGESCAN_ABI_H

/*
 * What the page-state BPF program (pagestate.bpf.c) and the library
 * (lib/pages/pagestate.c, lib/pages/pageclass.c) exchange. The program only reads: it
 * walks the folios of a PFN range and reports their raw reference counts,
 * run-length encoded; what those counts mean is decided in user space by
 * lib/pages/pageclass.c, the code the unit tests exercise. Both sides include this
 * header, so the layout cannot drift; __u64 and friends come from
 * <linux/types.h> in user space and from daxpin_core.h in the program.
 */

/* Consecutive folios with identical state, in PFN order. */
struct pagescan_run {
	__u64 pfn;		/* first PFN of the first folio */
	__u32 nr_folios;	/* folios in this run */
	__u32 folio_pages;	/* base pages per folio */
	__s32 refcount;		/* the head page's _refcount */
	__s32 mapcount;		/* folio_mapcount(): number of mappings, 0-based */
	__s32 pincount;		/* large folios: _pincount; small folios: 0 */
	__u32 tail;		/* 1: pages whose head lies before the scanned range */
};

/*
 * The program's context, in and out of BPF_PROG_TEST_RUN. One run scans
 * [pfn, pfn + nr_pages) or stops early when PAGESCAN_RUNS_MAX runs are
 * full; next_pfn says where to continue. Calls with different slots may
 * run at once.
 */
struct pagescan_args {
	__u64 pfn;		/* in */
	__u64 nr_pages;		/* in */
	__u64 next_pfn;		/* out: first PFN not scanned */
	__u64 error_pfn;	/* out: where error happened */
	__s32 error;		/* out: 0 or a negative errno of bpf_probe_read_kernel */
	__u32 nr_runs;		/* out: runs[slot][0 .. nr_runs) are valid */
	__u32 slot;		/* in: the call's state, buffer and runs */
	__u32 pad;
};

/* The pagestate_setup program's findings, in the .bss. */
struct pagestate_setup {
	__u64 vmemmap_base;	/* &vmemmap_base */
	__s32 error;		/* 0, or why vmemmap_base was not found */
	__u32 rework;		/* 1: the kernel has the 6.15 refcount rework */
	__u32 done;		/* 1 once the program ran */
	__u32 pad;
};

/* Size of a run table in the program's .bss, read through the skeleton: a
 * full table costs one more call, so it need not be large. */
#define PAGESCAN_RUNS_MAX 1024

/* Calls that may run at once (a power of two), each with its own run table
 * and buffer (96 KiB of .bss each): memory bandwidth, not CPUs, bounds a
 * scan long before 8 threads. The .bss is copied into the kernel at every
 * load, after a boot: 768 KiB in all, where 3 MiB cost a cold start ~15%
 * of its time (zeroing, copying and faulting it in, under TCG). */
#define PAGESCAN_SLOTS 8

#endif
