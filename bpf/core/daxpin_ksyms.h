/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_BPF_KSYMS_H
#define DAXPIN_BPF_KSYMS_H

/*
 * Kernel symbols and BTF as the kernel itself looks them up, from a
 * BPF_PROG_TYPE_SYSCALL program (6.1 has both helpers). libbpf resolves a
 * typeless __ksym extern by parsing all of /proc/kallsyms in user space at
 * every load, a second per BPF object under emulation and most of a cold
 * start; the kernel finds one symbol in milliseconds. Each object with such
 * needs has a setup program that its loader runs once: the addresses stay
 * in the .bss, pinned with the programs.
 *
 * The names are copied to the stack: every kernel takes stack memory for
 * the helpers' name argument, not all take read-only map values.
 */
#include <bpf/bpf_helpers.h>

#define BTF_KIND_FUNC 12

/* KSYM_ADDR("name", &addr): 0, or -ENOENT when the kernel has no such
 * symbol (a data symbol needs CONFIG_KALLSYMS_ALL), -EPERM when it hides
 * addresses from this caller (kptr_restrict) */
#define KSYM_ADDR(sym, res) ({						\
	char name_[] = sym;						\
	bpf_kallsyms_lookup_name(name_, sizeof(name_), 0, res);		\
})

/* BTF_HAS_FUNC("name"): whether the kernel's BTF has the function; one
 * found in a module's BTF comes with an fd of it, closed at once */
#define BTF_HAS_FUNC(fn) ({						\
	char name_[] = fn;						\
	long id_ = bpf_btf_find_by_name_kind(name_, sizeof(name_), BTF_KIND_FUNC, 0); \
									\
	if (id_ > 0 && id_ >> 32)					\
		bpf_sys_close(id_ >> 32);				\
	id_ > 0;							\
})

#endif
