/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_BPF_CORE_H
#define DAXPIN_BPF_CORE_H

/*
 * The few kernel types the page-state program reads, declared for BPF CO-RE
 * instead of a vmlinux.h generated from the build machine's kernel: libbpf
 * relocates every field offset, type size and enum value below against the
 * running kernel's BTF at load time, so only names and kinds matter here,
 * not layout. Members are listed flat: CO-RE finds a named member inside the
 * kernel's anonymous unions and structs by itself.
 *
 * Fields that exist only in some kernels are all declared; the program asks
 * bpf_core_field_exists() which one the running kernel has. The kernels
 * named in comments are those whose BTF was checked (Debian 6.1 and 7.2, the
 * 6.18 development host), not the first or last to have the field.
 */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

typedef struct {
	int counter;
} atomic_t;

/*
 * struct page begins with its flags word on every kernel (an unsigned long
 * in 6.1, memdesc_flags_t wrapping one in 6.18 and 7.2): the program reads it at
 * offset 0 rather than relocating a field whose type changed.
 */
struct address_space;

struct page {
	/* tail pages: bit 0 set, the rest locates the head page */
	unsigned long compound_head;	/* 6.1 ... 6.18 */
	unsigned long compound_info;	/* 7.2 */
	atomic_t _mapcount;		/* -1 based; small folios only */
	atomic_t _refcount;
	/* the file of a page (pagefile_lookup) */
	struct address_space *mapping;
	unsigned long index;		/* 6.1 ... 6.15 */
	unsigned long __folio_index;	/* 6.16 on */
} __attribute__((preserve_access_index));

/* The large-folio fields, all stored in the first tail page (page[1]). */
struct folio {
	unsigned int _folio_nr_pages;	/* 6.1 */
	unsigned int _nr_pages;		/* 6.18, 7.2 */
	atomic_t _pincount;		/* FOLL_PIN pins of a large folio */
	atomic_t _total_mapcount;	/* -1 based, 6.1 */
	atomic_t _large_mapcount;	/* -1 based, 6.18, 7.2 */
} __attribute__((preserve_access_index));

enum pageflags {
	PG_head,
};

#endif
