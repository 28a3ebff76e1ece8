/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_BPF_H
#define DAXPIN_BPF_H

/*
 * lib/core/bpf.c: the one place libdaxpin opens and loads its BPF skeletons
 * (pagestate, holders, owners), with one libbpf log policy: libbpf's
 * warnings at LOG_INFO, its other messages at LOG_DEBUG, through the
 * handle's log function (DAXPIN_LOG=debug shows them). A failure to load is
 * for the caller to explain: the error code says why.
 *
 * Loading costs the most of an invocation (libbpf parsing the kernel's BTF
 * for CO-RE, then the verifier: seconds under emulation; kernel symbols are
 * looked up by the programs themselves, bpf/core/daxpin_ksyms.h), so a
 * skeleton loaded with pinning is pinned in bpffs, in
 * /sys/fs/bpf/daxpin/NAME_HASH (HASH: of the BPF object's bytes, so another
 * daxpin build never uses them; bpffs lives as long as the boot, so neither
 * does another kernel), and later invocations take the verified programs
 * and their .bss from there. Root only: the directories are 0700 and must
 * belong to the caller. `rm -r /sys/fs/bpf/daxpin` clears them. Pinned
 * programs share one .bss: callers hold bpf_loaded_lock() while they use it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
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
 * Whether this process may load daxpin's programs at all: CAP_BPF and
 * CAP_PERFMON, or CAP_SYS_ADMIN in their place. The kernel asks that of
 * tracing programs (iterators, fentry) and of the page state's reads of
 * kernel memory; without them every load fails with EPERM.
 */
bool bpf_capable(void);

#define BPF_LOADED_PROGS_MAX 8

/* A skeleton's programs, loaded now or taken from pins. */
struct bpf_loaded {
	struct bpf_object_skeleton *skeleton;
	int prog_fds[BPF_LOADED_PROGS_MAX];	/* by the skeleton's index; -1: not loaded */
	void *bss;		/* our own mapping of a pinned .bss, else NULL */
	size_t bss_size;
	int pin_dir;		/* -1: not pinned */
};

/*
 * Loads an opened skeleton's programs (each caller runs all of its
 * skeleton's) and its .bss, its first map (any other must be read-only):
 * from and to bpffs as described above where it can, else for this caller
 * only. pin ("" or more) names what else the programs depend on, such as a
 * module whose symbols they resolve once loaded: the directory is
 * NAME_HASH_PIN.
 */
int bpf_loaded_get(struct daxpin_ctx *ctx, struct bpf_object_skeleton *skeleton,
		   const char *pin, struct bpf_loaded *l);
void bpf_loaded_release(struct bpf_loaded *l);
/*
 * The pin for programs that resolve a module's symbols or attach to its
 * functions at load time ("MODULE_INO", "MODULE_none" while it is not
 * loaded): each load of a module makes its sysfs directory anew, with a
 * new inode number, so pinned programs serve that load of it only.
 */
const char *bpf_module_instance(const char *module, char *buf, size_t size);
/* the fd of one of the skeleton's programs, -1 when it was not loaded */
int bpf_loaded_prog_fd(const struct bpf_loaded *l, const struct bpf_program *prog);
/* one user of pinned programs' .bss at a time, across processes */
void bpf_loaded_lock(const struct bpf_loaded *l);
void bpf_loaded_unlock(const struct bpf_loaded *l);

/*
 * BPF_SKELETON_GET(ctx, NAME, &skel, pin, &loaded): NAME__open()
 * and bpf_loaded_get() under the log policy; 0, or -errno with *skel NULL.
 * Without bpf_capable(), -EPERM at once: libbpf would parse the object
 * and try a load only to be refused, the fixed cost of every
 * unprivileged invocation.
 * BPF_SKELETON_PUT(NAME, skel, &loaded) undoes it.
 */
#define BPF_SKELETON_GET(ctx, name, skelp, pin, loaded) ({		\
	struct bpf_log_scope scope_;						\
	int rc_ = -EPERM;							\
										\
	*(skelp) = NULL;							\
	if (bpf_capable()) {							\
		bpf_log_enter(ctx, &scope_);					\
		*(skelp) = name##__open();					\
		rc_ = *(skelp) ? bpf_loaded_get(ctx, (*(skelp))->skeleton,	\
						pin, loaded) : -errno;		\
		bpf_log_leave(&scope_);						\
	}									\
	if (rc_ && *(skelp)) {							\
		name##__destroy(*(skelp));					\
		*(skelp) = NULL;						\
	}									\
	rc_;									\
})

#define BPF_SKELETON_PUT(name, skel, loaded) do {				\
	if (skel) {								\
		bpf_loaded_release(loaded);					\
		name##__destroy(skel);						\
	}									\
} while (0)

/*
 * Attaches the BPF iterator program prog_fd and appends all it prints to
 * *buf (*len bytes used of *cap), growing it as needed; 0 or -errno.
 */
int bpf_iter_read_all(int prog_fd, char **buf, size_t *len, size_t *cap);

#endif
