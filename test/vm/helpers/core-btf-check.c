// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * core-btf-check: loads every program of the daxpin BPF object twice on
 * the running kernel, once as libbpf relocates it against the kernel's
 * whole BTF and once against daxpin's subset of it (lib/core/core_btf.h),
 * and compares the instructions libbpf produced, program by program (map
 * references aside: their fds differ between two loads). Prints
 * "PROGRAM insns=N identical" per program and the subset's size; exits 1
 * on any difference or failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include <daxpin/daxpin.h>

#include "core/core_btf.h"
#include "core/daxpin_skel.h"

static const char vmlinux[] = "/sys/kernel/btf/vmlinux";

static struct daxpin_ctx *ctx;

static struct daxpin *load(struct core_btf *cb)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = cb ? core_btf_path(cb) : NULL);
	struct daxpin *skel = daxpin__open_opts(&opts);
	int rc;

	if (!skel) {
		fprintf(stderr, "core-btf-check: open failed\n");
		return NULL;
	}
	if (cb && (rc = core_btf_fill(ctx, cb, vmlinux))) {
		fprintf(stderr, "core-btf-check: subset: %s\n", strerror(-rc));
		daxpin__destroy(skel);
		return NULL;
	}
	if (daxpin__load(skel)) {
		fprintf(stderr, "core-btf-check: load (%s) failed\n", cb ? "subset" : "whole BTF");
		daxpin__destroy(skel);
		return NULL;
	}
	return skel;
}

/* a map reference's imm is an fd: the same map, another number */
static bool map_ref(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_DW | BPF_IMM) &&
	       (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE);
}

int main(void)
{
	struct daxpin *whole, *subset;
	struct bpf_program *a, *b;
	struct core_btf cb;
	struct stat st;
	int bad = 0;

	size_t elf_size;
	const void *elf = daxpin__elf_bytes(&elf_size);

	if (daxpin_new(&ctx)) {
		fprintf(stderr, "core-btf-check: no daxpin context\n");
		return 1;
	}
	whole = load(NULL);
	core_btf_init(&cb, elf, elf_size);
	if (cb.fd < 0) {
		perror("core-btf-check: memfd");
		return 1;
	}
	subset = load(&cb);
	if (!whole || !subset)
		return 1;
	if (!cb.subset) {
		fprintf(stderr, "core-btf-check: no subset made: libbpf got the whole BTF\n");
		return 1;
	}
	if (fstat(cb.fd, &st) == 0)
		printf("subset: %lld bytes\n", (long long)st.st_size);
	b = bpf_object__next_program(subset->obj, NULL);
	bpf_object__for_each_program(a, whole->obj) {
		const struct bpf_insn *x = bpf_program__insns(a), *y;
		size_t n = bpf_program__insn_cnt(a), diff = 0;

		if (!b || strcmp(bpf_program__name(a), bpf_program__name(b)) ||
		    bpf_program__insn_cnt(b) != n) {
			printf("%s: insns=%zu, the subset's load differs in count\n",
			       bpf_program__name(a), n);
			bad = 1;
			b = b ? bpf_object__next_program(subset->obj, b) : NULL;
			continue;
		}
		y = bpf_program__insns(b);
		for (size_t i = 0; i < n; i++) {
			if (map_ref(&x[i]) && i + 1 < n) {
				diff += x[i].code != y[i].code || x[i].src_reg != y[i].src_reg ||
					x[i].dst_reg != y[i].dst_reg ||
					memcmp(&x[i + 1], &y[i + 1], sizeof(x[i + 1]));
				i++;
				continue;
			}
			diff += memcmp(&x[i], &y[i], sizeof(x[i])) != 0;
		}
		printf("%s insns=%zu %s\n", bpf_program__name(a), n,
		       diff ? "DIFFERENT" : "identical");
		bad |= diff != 0;
		b = bpf_object__next_program(subset->obj, b);
	}
	daxpin__destroy(whole);
	daxpin__destroy(subset);
	core_btf_release(&cb);
	daxpin_unref(ctx);
	return bad;
}
