/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_OWNERS_ABI_H
#define DAXPIN_OWNERS_ABI_H

/*
 * What the reference-owners BPF iterator (owners.bpf.c) and the library
 * (lib/pages/owners.c) exchange. The program walks every open file, follows the
 * ones that can hold page references (pipes, io_uring rings) to the pages
 * they hold, and passes on those whose page frame number lies in one of
 * the wanted ranges, as runs of consecutive pages. Open RDMA verbs files of
 * processes with pinned memory, and open VFIO files, are passed on as
 * hints: the pages behind them are not reached.
 */

#define OWNERS_RANGES_MAX 64
/* runs one file may yield: what fits the iterator's seq_file buffer (8
 * pages) with room to spare; beyond, the record says truncated */
#define OWNERS_RUNS_MAX 128

enum owners_rec_kind {
	OWNERS_REC_PIPE,	/* pages in a pipe's buffers */
	OWNERS_REC_IO_URING,	/* pages of an io_uring fixed buffer */
	OWNERS_REC_UVERBS,	/* an open uverbs file and pinned_vm > 0 */
	OWNERS_REC_VFIO,	/* an open VFIO container, group or device */
};

struct owners_rec {
	__u32 kind;		/* enum owners_rec_kind */
	__u32 tgid;
	__u64 start_boottime;	/* ns; with tgid, names the process for good */
	__u32 fd;
	__u32 f_mode;		/* FMODE_READ 1, FMODE_WRITE 2 */
	__u64 ino;		/* the file's inode: the pipe, FIFO or ring */
	__u64 object;		/* the pipe or ring: the same under every fd */
	__u64 pfn;		/* first page of the run */
	__u64 nr_pages;		/* consecutive pages, each referenced once */
	__u64 pinned_pages;	/* the process's mm->pinned_vm */
	__u32 euid;
	__u32 truncated;	/* runs of this file left out (OWNERS_RUNS_MAX) */
	char comm[16];
};

/* The page frames to look for: [start, end) each, sorted and disjoint,
 * the unused entries OWNERS_PFN_PAD, above every page frame (the program
 * searches the ends in halves). */
#define OWNERS_PFN_PAD (1ULL << 62)

struct owners_filter {
	__u64 start[OWNERS_RANGES_MAX];
	__u64 end[OWNERS_RANGES_MAX];
	__u32 nr_ranges;
	__u32 pad;
};

/* The owners_setup program's findings, in the .bss: 0 for a symbol the
 * kernel does not have. */
struct owners_ksyms {
	__u64 vmemmap_base;	/* x86-64 with KASLR: &vmemmap_base */
	__u64 io_uring_fops, uverbs_fops, uverbs_mmap_fops;
	__u64 vfio_fops, vfio_group_fops, vfio_device_fops;
	__s32 error;		/* 0, or why vmemmap_base was not found */
	__u32 done;		/* 1 once the program ran */
	/* user space's: the loads of ib_uverbs and vfio the fops are of */
	char modules[96];
};

#endif
