/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_PAGEFILE_ABI_H
#define DAXPIN_PAGEFILE_ABI_H

/*
 * What pagefile.bpf.c and lib/pagefile.c exchange, through the program's
 * .bss: the page frames to look up, and for each the file whose page it
 * is. A filesystem-DAX page records its file and offset in page->mapping
 * and page->index while the file maps it (dax_associate_entry()), on 6.1
 * and since 6.15 alike.
 */

/* Page frames looked up per run of the program. */
#define PAGEFILE_MAX 16

struct pagefile_lookup {
	__u32 nr;			/* in: pfn[0 .. nr) */
	__u32 unused;
	__u64 pfn[PAGEFILE_MAX];	/* in */
	__u64 ino[PAGEFILE_MAX];	/* out: the file's inode number; 0: no file */
	__u64 index[PAGEFILE_MAX];	/* out: the page's offset in it, in pages */
	__u32 dev[PAGEFILE_MAX];	/* out: its superblock's dev_t, kernel encoding */
	__s32 error;			/* out: 0 or a bpf_probe_read_kernel() error */
};

#endif
