/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_HOLDERS_H
#define DAXPIN_HOLDERS_H

/* Fronts lib/holders/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <daxpin/targets.h>

/*
 * Holders: the processes that map, open or otherwise use a persistent-memory
 * device, a DAX filesystem or a file on one.
 *
 * The targets (daxpin/targets.h) are sets of device and inode numbers;
 * one daxpin_holders_scan() reads /proc once for all targets.
 */

struct daxpin_ctx;
struct daxpin_topology;
struct daxpin_daxdev;
struct daxpin_owner;
struct daxpin_owners;
struct daxpin_target_owners;
struct daxpin_namespace;

/* How a process uses a target: fuser's letters, plus 'p'. */
enum daxpin_access {
	DAXPIN_ACCESS_MAP = 1 << 0,	/* 'm': maps it */
	DAXPIN_ACCESS_FD = 1 << 1,	/* 'f': has it open */
	DAXPIN_ACCESS_CWD = 1 << 2,	/* 'c': current directory in it */
	DAXPIN_ACCESS_ROOT = 1 << 3,	/* 'r': root directory in it */
	DAXPIN_ACCESS_EXE = 1 << 4,	/* 'e': runs an executable from it */
	/*
	 * 'p': maps or opens it and has pinned memory (VmPin > 0: RDMA
	 * memory regions, io_uring fixed buffers; VFIO counts in VmLck, and
	 * not at all for device-dax pages). A hint, not proof that the pinned
	 * pages are this target's.
	 */
	DAXPIN_ACCESS_PIN = 1 << 5,
	/*
	 * Reference owners (daxpin_holders_add_owners(), <daxpin/owners.h>):
	 * 'P' holds pages of it in a pipe, 'U' in an io_uring fixed buffer
	 * (both exact); 'R' has an RDMA verbs device open and pinned memory,
	 * 'V' a VFIO container, group or device open, while some of its
	 * references are unexplained (hints).
	 */
	DAXPIN_ACCESS_PIPE = 1 << 6,
	DAXPIN_ACCESS_IO_URING = 1 << 7,
	DAXPIN_ACCESS_RDMA_HINT = 1 << 8,
	DAXPIN_ACCESS_VFIO_HINT = 1 << 9,
	/*
	 * 'M': system RAM: pages of it are mapped into the process (its
	 * memory lives there; an offline migrates it, a forced drain signals it)
	 */
	DAXPIN_ACCESS_RESIDENT = 1 << 10,
};

struct daxpin_process {
	pid_t pid;
	/*
	 * A pidfd opened while the process was known to be alive, so a later
	 * pidfd_send_signal() or poll() can never reach a reused pid; -1
	 * when the kernel has no pidfd_open (before 5.3), when the scan was
	 * asked for none (DAXPIN_HOLDERS_NO_PIDFD), or when it could not be
	 * opened (out of file descriptors; counted in without_pidfd).
	 */
	int pidfd;
	uid_t uid;		/* effective uid */
	char comm[64];		/* as in /proc/PID/status "Name:" */
	char *cgroup;		/* cgroup v2 path ("/kubepods.slice/..."), NULL if unknown */
	uint64_t vm_pinned_bytes;	/* VmPin */
};

struct daxpin_holder {
	const struct daxpin_process *proc;
	unsigned int access;	/* enum daxpin_access bits */
	uint64_t mapped_bytes;	/* sum of the sizes of its mappings of the target */
	bool shared;		/* some mapping is MAP_SHARED */
	bool writable;		/* some mapping is writable */
	unsigned int fds;	/* open file descriptors on the target */
	const struct daxpin_owner *owner;	/* its page references, or NULL */
};

struct daxpin_target_holders {
	struct daxpin_holder *holders;	/* by ascending pid */
	size_t nr_holders;
	/* reference owners and unattributed references; NULL if not scanned */
	const struct daxpin_target_owners *owners;
};

struct daxpin_holders {
	struct daxpin_target_holders *targets;	/* one per target, in order */
	size_t nr_targets;
	struct daxpin_process *procs;	/* every process holding any target, in no order */
	size_t nr_procs;
	/*
	 * false when some process could not be examined (other users'
	 * processes without privilege, the time limit, out of file
	 * descriptors) or a holder has no pidfd: then a target without
	 * holders is not known to be free, and reason says why (every cause,
	 * separated by "; ").
	 */
	bool complete;
	char *reason;
	size_t unreadable;	/* processes whose maps or fds were denied */
	size_t unidentified;	/* mappings whose file type could not be read */
	bool timed_out;		/* stopped at timeout_ms */
	bool hidden;		/* /proc hides others' processes (hidepid=2, 4) */
	bool pid_namespace;	/* in a pid namespace: processes outside unseen */
	bool via_bpf;		/* read with BPF iterators, not from /proc */
	size_t unexamined;	/* processes not examined for another reason */
	int unexamined_error;	/* the errno of the first of them (EMFILE...) */
	size_t without_pidfd;	/* holders whose pidfd could not be opened */
	struct daxpin_owners *owners;	/* from daxpin_holders_add_owners() */
};

enum daxpin_holders_flags {
	/* read /proc even where BPF iterators could be used */
	DAXPIN_HOLDERS_NO_BPF = 1 << 0,
	/*
	 * no pidfd per holder (pidfd -1): for callers that only report, so a
	 * scan's file descriptors do not grow with the number of holders
	 */
	DAXPIN_HOLDERS_NO_PIDFD = 1 << 1,
};

/*
 * Finds every process holding any of the targets, in one pass. As root on
 * a kernel with BTF, BPF iterators walk all tasks' files and mappings in
 * the kernel; otherwise (or with DAXPIN_HOLDERS_NO_BPF) /proc is read, by
 * one worker thread per core. timeout_ms bounds a /proc scan (0: no
 * bound); file status is read with AT_STATX_DONT_SYNC, so a hung network
 * filesystem is not asked. Processes that exit during the scan are left
 * out. Returns 0 or a negative errno.
 */
int daxpin_holders_scan(struct daxpin_ctx *ctx,
			const struct daxpin_target *targets, size_t nr_targets,
			unsigned int timeout_ms, unsigned int flags,
			struct daxpin_holders **out);
/* Closes the pidfds and frees everything. */
void daxpin_holders_free(struct daxpin_holders *h);

/**
 * daxpin_holders_add_owners() - make reference owners holders
 * @h: holders of the same targets, in the same order
 * @o: owners from daxpin_owners_scan(); @h takes it over (freed with @h),
 *	also on failure
 *
 * Each owner becomes a holder of its target, with the access bits of its
 * references (%DAXPIN_ACCESS_PIPE, ...) and daxpin_holder::owner; a
 * process that held nothing else is added to @h with a pidfd proven to
 * name the process the iterator saw (the same start time), or left out if
 * it exited meanwhile. daxpin_target_holders::owners points at the
 * target's owners.
 *
 * Return: 0 or -ENOMEM.
 */
int daxpin_holders_add_owners(struct daxpin_holders *h, struct daxpin_owners *o);

#endif
