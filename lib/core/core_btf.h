/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_CORE_BTF_H
#define DAXPIN_CORE_BTF_H

/*
 * The kernel's types that a BPF object's CO-RE relocations can reach, as
 * a BTF of their own, handed to libbpf as btf_custom_path.
 *
 * libbpf 1.1 reads the kernel's whole BTF for CO-RE (5 MB through 4 KiB
 * sysfs reads on 6.1, copied once more, every type indexed), then searches
 * all ~125,000 types once per relocated type of the object: a third of a
 * cold `daxpin list` under emulation. Here the kernel's BTF is read once
 * (mapped where the kernel allows it, 6.16 and later), indexed in the same
 * pass that finds the object's types by name, and only what libbpf's
 * relocation looks at is copied: each type the object names, with the
 * members whose names the object uses and every anonymous member, the
 * composites embedded in those, and each other member type as its kind
 * alone (a pointer as void *: relocations do not follow pointers, a
 * pointee is a relocation's root of its own). libbpf's candidates, field
 * offsets and sizes, existence checks and enum values come out as from
 * the whole BTF; tested against it on both kernels (test/vm/core-btf-check).
 * Types of modules are not searched: the objects given here use none.
 *
 * The same pass notes the kernel's iterator targets (FUNC bpf_iter_*): an
 * iterator program attaches by the id of one, which libbpf would otherwise
 * find by reading the whole BTF again (lib/core/bpf.c).
 *
 * Made only when libbpf is about to load (pinned programs need no BTF):
 * the path is fixed at open, the contents written by core_btf_fill().
 */
#include <stddef.h>

struct daxpin_ctx;

struct core_btf_func {
	char *name;
	int id;
};

struct core_btf {
	int fd;		/* an empty memfd until filled; -1: none (libbpf reads the kernel's) */
	char path[32];	/* /proc/self/fd/N, for bpf_object_open_opts.btf_custom_path */
	const void *object;	/* the BPF object (ELF) whose relocations it serves */
	size_t object_size;
	int filled;
	int subset;	/* filled with the subset, not with the whole BTF */
	struct core_btf_func *funcs;	/* the iterator targets, once filled */
	size_t nr_funcs;
};

/* A path for the object's BTF; with none (memfd refused, no /proc), cb->fd is -1. */
void core_btf_init(struct core_btf *cb, const void *object, size_t object_size);
/* NULL when core_btf_init() made no file */
const char *core_btf_path(const struct core_btf *cb);
/*
 * Writes the types the object needs, from the kernel's BTF at
 * vmlinux_path; if they cannot be made (a BTF kind this code does not
 * know), the kernel's whole BTF instead, as libbpf would have read it
 * (without vmlinux_path, from where libbpf finds one).
 * 0 or -errno; once per core_btf.
 */
int core_btf_fill(struct daxpin_ctx *ctx, struct core_btf *cb, const char *vmlinux_path);
/* The kernel BTF id of iterator target FUNC (from the fill), or -ENOENT. */
int core_btf_func_id(const struct core_btf *cb, const char *func);
void core_btf_release(struct core_btf *cb);

#endif
