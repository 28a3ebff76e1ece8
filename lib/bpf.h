/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_BPF_H
#define DAXPIN_BPF_H

/*
 * lib/bpf.c: the one place libdaxpin opens and loads its BPF skeletons
 * (pagestate, holders, owners), with one libbpf log policy: libbpf's
 * warnings at LOG_INFO, its other messages at LOG_DEBUG, through the
 * handle's log function (DAXPIN_LOG=debug shows them). A failure to load is
 * for the caller to explain: the error code says why.
 */
#include <errno.h>
#include <stdbool.h>
#include <bpf/libbpf.h>

struct daxpin_ctx;

/* libbpf's print callback, swapped in while a thread opens and loads */
struct bpf_log_scope {
	libbpf_print_fn_t saved;
	struct daxpin_ctx *saved_ctx;
};

void bpf_log_enter(struct daxpin_ctx *ctx, struct bpf_log_scope *scope);
void bpf_log_leave(struct bpf_log_scope *scope);

/*
 * Loads an opened skeleton with only the programs whose names are in
 * wanted (NULL-terminated; NULL: all): the verifier's time is the most of
 * an invocation's, so a command pays only for the programs it reads.
 */
int bpf_skeleton_load(struct bpf_object_skeleton *skeleton, const char *const *wanted);

/*
 * BPF_SKELETON_OPEN_LOAD(ctx, NAME, &skel, wanted): NAME__open() and
 * bpf_skeleton_load() under the log policy; 0, or -errno with *skel NULL.
 */
#define BPF_SKELETON_OPEN_LOAD(ctx, name, skelp, wanted) ({			\
	struct bpf_log_scope scope_;						\
	int rc_;								\
										\
	bpf_log_enter(ctx, &scope_);						\
	*(skelp) = name##__open();						\
	rc_ = *(skelp) ? bpf_skeleton_load((*(skelp))->skeleton, wanted) : -errno; \
	bpf_log_leave(&scope_);							\
	if (rc_ && *(skelp)) {							\
		name##__destroy(*(skelp));					\
		*(skelp) = NULL;						\
	}									\
	rc_;									\
})

/*
 * Attaches a BPF iterator program and appends all it prints to *buf (*len
 * bytes used of *cap), growing it as needed; 0 or -errno.
 */
int bpf_iter_read_all(struct daxpin_ctx *ctx, struct bpf_program *prog,
		      char **buf, size_t *len, size_t *cap);

#endif
