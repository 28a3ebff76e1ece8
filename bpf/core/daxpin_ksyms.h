/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_BPF_KSYMS_H
#define DAXPIN_BPF_KSYMS_H

/*
 * Kernel symbols as the kernel itself looks them up, from a
 * BPF_PROG_TYPE_SYSCALL program (6.1 has bpf_kallsyms_lookup_name()).
 * libbpf resolves a typeless __ksym extern by parsing all of /proc/kallsyms
 * in user space at every load, a second per BPF object under emulation and
 * most of a cold start; the kernel finds one symbol in a millisecond. (Not
 * bpf_btf_find_by_name_kind() for functions: each name it does not find
 * costs a scan of vmlinux's BTF and of every module's, 0.26 s for three
 * names on 6.1 under emulation.) Each object with such needs has a setup
 * program that its loader runs once: the addresses stay in the .bss,
 * pinned with the programs.
 *
 * The names are copied to the stack: every kernel takes stack memory for
 * the helper's name argument, not all take read-only map values.
 */
#include <bpf/bpf_helpers.h>

/* KSYM_ADDR("name", &addr): 0, or -ENOENT when the kernel has no such
 * symbol (a data symbol needs CONFIG_KALLSYMS_ALL), -EPERM when it hides
 * addresses from this caller (kptr_restrict) */
#define KSYM_ADDR(sym, res) ({						\
	char name_[] = sym;						\
	bpf_kallsyms_lookup_name(name_, sizeof(name_), 0, res);		\
})

/* KSYM_EXISTS("name"): whether the kernel (or a loaded module) has the
 * symbol; a function is always listed */
#define KSYM_EXISTS(sym) ({						\
	__u64 addr_ = 0;						\
									\
	KSYM_ADDR(sym, &addr_) == 0;					\
})

#endif
