/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_BPF_H
#define DAXPIN_BPF_H

/*
 * lib/core/bpf.c: the one place libdaxpin opens and loads its BPF skeletons
 * (daxpin: the holders, owners and page-state scans; the device-dax entry
 * counter; the drain's fence), with one libbpf log policy: libbpf's
 * warnings at LOG_INFO, its other messages at LOG_DEBUG, through the
 * handle's log function (DAXPIN_LOG=debug shows them). A failure to load is
 * for the caller to explain: the error code says why.
 *
 * Loading costs the most of an invocation (the kernel's BTF for CO-RE,
 * read once into the object's own subset, lib/core/core_btf.h; then the
 * verifier: a second and more under emulation; kernel symbols are looked
 * up by the programs themselves, bpf/core/daxpin_ksyms.h), so a
 * skeleton loaded with pinning is pinned in bpffs, in
 * /sys/fs/bpf/daxpin/NAME_HASH (HASH: of the BPF object's bytes, so another
 * daxpin build never uses them; bpffs lives as long as the boot, so neither
 * does another kernel), and later invocations take the verified programs
 * and their .bss from there. Root only: the directories are 0700 and must
 * belong to the caller. `rm -r /sys/fs/bpf/daxpin` clears them. Pinned
 * programs share one .bss: callers hold bpf_loaded_lock() while they use it.
 *
 * The daxpin object's programs belong each to a scan, the one its name
 * begins with (lib/core/bpf.c, scans[]); a load takes the caller's scan's programs
 * and, pinned, those of the scans the handle declared (daxpin_set_scans()),
 * so that a command's first scan loads all it will need in one libbpf load
 * (one parse of the kernel's BTF, one CO-RE search per type). The pins are
 * per program beside the one .bss: a later caller takes the pinned ones and
 * loads only those missing, onto the pinned .bss, so pins of part of the
 * object are never wrong, only incomplete; one directory per set of
 * programs would instead load and pin the same program once per set.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#include "core_btf.h"

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

#define BPF_LOADED_PROGS_MAX 16

/* A skeleton's programs, loaded now or taken from pins. */
struct bpf_loaded {
	struct bpf_object_skeleton *skeleton;
	int prog_fds[BPF_LOADED_PROGS_MAX];	/* by the skeleton's index; -1: not loaded */
	void *bss;		/* our own mapping of a pinned .bss, else NULL */
	size_t bss_size;
	int pin_dir;		/* -1: not pinned */
};

/*
 * Loads programs of an opened skeleton, and its .bss, its first map (any
 * other must be read-only): from and to bpffs as described above where it
 * can, else for this caller only. scan: the caller's DAXPIN_SCAN_* (its
 * programs, with those of the declared scans), or 0: all programs of a
 * skeleton of no scan. pin ("" or more) names what else the programs
 * depend on, such as a module whose functions they attach to: the
 * directory is NAME_HASH_PIN.
 */
int bpf_loaded_get(struct daxpin_ctx *ctx, struct bpf_object_skeleton *skeleton,
		   struct core_btf *core, const char *pin, unsigned int scan,
		   struct bpf_loaded *l);
void bpf_loaded_release(struct bpf_loaded *l);
/*
 * One load of a module ("MODULE_INO", "MODULE_none" while it is not
 * loaded): each load makes its sysfs directory anew, with a new inode
 * number. The pin of programs that attach to the module's functions, which
 * serve that load of it only; the key of addresses found in it.
 */
const char *bpf_module_instance(const char *module, char *buf, size_t size);
/* the fd of one of the skeleton's programs, -1 when it was not loaded */
int bpf_loaded_prog_fd(const struct bpf_loaded *l, const struct bpf_program *prog);
/* one user of pinned programs' .bss at a time, across processes */
void bpf_loaded_lock(const struct bpf_loaded *l);
void bpf_loaded_unlock(const struct bpf_loaded *l);

/* daxpin's libbpf section handlers (the iterators'), before any open */
void bpf_handlers_register(void);

/*
 * BPF_SKELETON_GET(ctx, NAME, &skel, pin, scan, &loaded): NAME__open_opts()
 * and bpf_loaded_get() under the log policy; 0, or -errno with *skel NULL.
 * libbpf relocates against the object's own subset of the kernel's BTF
 * (lib/core/core_btf.h), made only if a load is needed.
 * Without bpf_capable(), -EPERM at once: libbpf would parse the object
 * and try a load only to be refused, the fixed cost of every
 * unprivileged invocation.
 * BPF_SKELETON_PUT(NAME, skel, &loaded) undoes it.
 */
#define BPF_SKELETON_GET(ctx, name, skelp, pin, scan, loaded) ({		\
	struct bpf_log_scope scope_;						\
	int rc_ = -EPERM;							\
										\
	*(skelp) = NULL;							\
	if (bpf_capable()) {							\
		struct core_btf core_;						\
		size_t elf_size_;						\
		const void *elf_ = name##__elf_bytes(&elf_size_);		\
										\
		bpf_handlers_register();					\
		core_btf_init(&core_, elf_, elf_size_);				\
		LIBBPF_OPTS(bpf_object_open_opts, opts_,			\
			    .btf_custom_path = core_btf_path(&core_));		\
		bpf_log_enter(ctx, &scope_);					\
		*(skelp) = name##__open_opts(&opts_);				\
		rc_ = *(skelp) ? bpf_loaded_get(ctx, (*(skelp))->skeleton,	\
						&core_, pin, scan, loaded) :	\
				 -errno;					\
		bpf_log_leave(&scope_);						\
		core_btf_release(&core_);					\
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
