// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * Which file a DAX page belongs to. A layout break holds the file's inode
 * lock while it waits, so the file's extents (FIEMAP) cannot be read then;
 * the busy pages of the namespace can, and each names its file through
 * page->mapping->host. A BPF_PROG_TYPE_SYSCALL program, run with
 * BPF_PROG_TEST_RUN over a handful of page frames.
 */
#include "daxpin_core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pagefile_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* x86-64 with KASLR: the virtual address of the struct page of PFN 0 */
extern const void vmemmap_base __ksym;

struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct address_space {
	struct inode *host;
} __attribute__((preserve_access_index));

/* struct page as far as this program reads it; the ___file flavour keeps
 * it apart from daxpin_core.h's struct page. index became __folio_index in
 * 6.16. */
struct page___file {
	struct address_space *mapping;
	unsigned long index;
	unsigned long __folio_index;
} __attribute__((preserve_access_index));

/* low bits of page->mapping: anonymous, movable, or a DAX page shared by
 * reflinked files (no one file) */
#define MAPPING_FLAGS 3UL

struct pagefile_lookup lookup;

SEC("syscall")
int pagefile(void *ctx)
{
	__u64 vmemmap = 0, psz = bpf_core_type_size(struct page___file);
	long ret;

	ret = bpf_probe_read_kernel(&vmemmap, sizeof(vmemmap), &vmemmap_base);
	lookup.error = ret;
	if (ret || !psz)
		return 0;
	for (__u32 i = 0; i < PAGEFILE_MAX; i++) {
		struct page___file *page;
		struct address_space *mapping;
		struct inode *host;

		if (i >= lookup.nr)
			break;
		lookup.ino[i] = 0;
		page = (void *)(vmemmap + lookup.pfn[i] * psz);
		mapping = BPF_CORE_READ(page, mapping);
		if ((unsigned long)mapping & MAPPING_FLAGS || (unsigned long)mapping < 4096)
			continue;
		host = BPF_CORE_READ(mapping, host);
		if (!host)
			continue;
		lookup.ino[i] = BPF_CORE_READ(host, i_ino);
		lookup.dev[i] = BPF_CORE_READ(host, i_sb, s_dev);
		if (bpf_core_field_exists(page->__folio_index))
			lookup.index[i] = BPF_CORE_READ(page, __folio_index);
		else
			lookup.index[i] = BPF_CORE_READ(page, index);
	}
	return 0;
}
