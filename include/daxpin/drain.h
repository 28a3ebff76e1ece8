/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DRAIN_H
#define DAXPIN_DRAIN_H

/* Fronts lib/drain/. */

/*
 * Drain: take dax devices and namespaces out of service only once nothing
 * holds them. A drain waits until no process maps or opens a target and no
 * page of it is referenced or pinned, fences new opens, checks once more,
 * and only then unbinds: device-dax through libdaxctl, namespaces through
 * libndctl. Nothing is ever unbound while a reference is outstanding; on a
 * timeout or a cancellation the targets stay bound and unchanged.
 * A process whose only tie to a target is a pipe or an io_uring buffer
 * holding its pages (it unmapped and closed the device) is a holder too:
 * reported and, with %DAXPIN_DRAIN_FORCE, signalled.
 *
 * Usage: daxpin_drain_new(), daxpin_drain_add() per target (validates and
 * changes nothing), daxpin_drain_run(), then read what is left or what was
 * done with daxpin_drain_get_object(), and daxpin_drain_free().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <daxpin/holders.h>
#include <daxpin/memory.h>
#include <daxpin/pagestate.h>
#include <daxpin/topology.h>

struct daxpin_ctx;
struct daxpin_drain;

enum daxpin_drain_flags {
	/*
	 * SIGTERM each holding process through a pidfd, SIGKILL after
	 * grace_ms; the owners of page references too
	 */
	DAXPIN_DRAIN_FORCE = 1 << 0,
	/* check once, change nothing: 0 when drainable now, -EBUSY if not */
	DAXPIN_DRAIN_DRY_RUN = 1 << 1,
};

enum daxpin_drain_event_kind {
	DAXPIN_DRAIN_CHECKED,	/* a check found what still holds the targets */
	DAXPIN_DRAIN_SIGNALLED,	/* --force sent a signal to a holding process */
	/*
	 * the check behind the fence found a holder or reference that came
	 * after the previous check: the fence is lifted and the wait goes on
	 */
	DAXPIN_DRAIN_RACED,
	/*
	 * a dax device or namespace was unbound, and the kernel confirmed it:
	 * a dax device's "unbind" event came; a namespace's block device or
	 * dax devices were removed with their nodes
	 */
	DAXPIN_DRAIN_DISABLED,
	/*
	 * a memory block of a system-RAM target went offline, would not go
	 * (its blocking pages changed), or came back online after the drain
	 * gave up: @memblock says which and how it is now
	 */
	DAXPIN_DRAIN_MEMBLOCK,
};

/**
 * struct daxpin_drain_event - progress of daxpin_drain_run()
 * @kind: what happened
 * @elapsed_ms: since daxpin_drain_run() started
 * @holders: %DAXPIN_DRAIN_CHECKED: processes holding any target
 * @holders_complete: false when some process could not be examined
 * @pages: %DAXPIN_DRAIN_CHECKED: page state summed over the targets
 * @pid: %DAXPIN_DRAIN_SIGNALLED: the process
 * @comm: %DAXPIN_DRAIN_SIGNALLED: its name
 * @signo: %DAXPIN_DRAIN_SIGNALLED: SIGTERM or SIGKILL
 * @access: %DAXPIN_DRAIN_SIGNALLED: how it held the targets (enum
 *	daxpin_access bits; %DAXPIN_ACCESS_PIPE... for a reference owner)
 * @object: %DAXPIN_DRAIN_DISABLED, %DAXPIN_DRAIN_MEMBLOCK: "dax0.0", "namespace0.0"
 * @verify_ms: %DAXPIN_DRAIN_DISABLED: from the unbind to its confirmation
 * @memblock: %DAXPIN_DRAIN_MEMBLOCK: the block, its state and (when known)
 *	its blocking pages
 */
struct daxpin_drain_event {
	enum daxpin_drain_event_kind kind;
	uint64_t elapsed_ms;
	size_t holders;
	bool holders_complete;
	const struct daxpin_page_counts *pages;
	pid_t pid;
	const char *comm;
	int signo;
	const char *object;
	uint64_t verify_ms;
	unsigned int access;
	const struct daxpin_memblock *memblock;
};

/**
 * struct daxpin_drain_options - how daxpin_drain_run() waits
 * @timeout_ms: give up after this long (-ETIMEDOUT); 0: never
 * @grace_ms: with %DAXPIN_DRAIN_FORCE, from SIGTERM to SIGKILL
 * @flags: enum daxpin_drain_flags
 * @cancel_fd: a descriptor that becomes readable to cancel the wait
 *	(-EINTR), e.g. a signalfd for SIGINT and SIGTERM; -1 for none
 * @progress: called for every event, may be NULL
 * @arg: passed to @progress
 */
struct daxpin_drain_options {
	unsigned int timeout_ms;
	unsigned int grace_ms;
	unsigned int flags;
	int cancel_fd;
	void (*progress)(const struct daxpin_drain_event *ev, void *arg);
	void *arg;
};

enum daxpin_drain_state {
	DAXPIN_DRAIN_BOUND,		/* enabled: not (yet) drained */
	DAXPIN_DRAIN_WAS_DISABLED,	/* disabled before the drain: nothing done */
	DAXPIN_DRAIN_UNBOUND,		/* drained and disabled by this drain */
};

/**
 * struct daxpin_drain_object - one dax device or namespace of a drain
 * @name: "dax0.0", "namespace0.0"
 * @daxdev: the dax device, or NULL for a namespace
 * @ns: the namespace, or NULL for a dax device without one
 * @state: where it stands
 * @has_pages: false for a devdax namespace, whose pages are its devices'
 * @checked: whether @holders and @pages hold the result of a check
 * @holders: the processes that held it at the last check: those that map
 *	or open it and, while its pages were referenced, the owners of the
 *	references (daxpin_holder::owner; daxpin_target_holders::owners has
 *	the references no owner explains)
 * @owners_reason: why the owners of its page references were not found
 *	(not root, no BPF), or NULL
 * @pages: its page state at the last check
 *
 * The dax devices of a namespace come before the namespace, in the order
 * they are unbound.
 */
struct daxpin_drain_object {
	const char *name;
	const struct daxpin_daxdev *daxdev;
	const struct daxpin_namespace *ns;
	enum daxpin_drain_state state;
	bool has_pages;
	bool checked;
	const struct daxpin_target_holders *holders;
	const char *owners_reason;
	struct daxpin_page_counts pages;
};

/* topo must outlive the drain. */
int daxpin_drain_new(struct daxpin_ctx *ctx, const struct daxpin_topology *topo,
		     struct daxpin_drain **d);

/**
 * daxpin_drain_add() - add a target: a region (all its namespaces), a
 *	namespace (its dax devices, then itself) or a dax device
 * @d: the drain
 * @obj: from daxpin_topology_lookup() on the drain's topology
 *
 * Validates without changing anything. Return: 0; -EOPNOTSUPP for what
 * drain does not take out of service (famfs, raw and sector
 * namespaces); -EBUSY for a mounted fsdax namespace; -EPERM when the
 * physical addresses are hidden (not root); -ENOMEM. daxpin_drain_reason()
 * then says why in words. A disabled target is accepted and left alone.
 */
int daxpin_drain_add(struct daxpin_drain *d, const struct daxpin_object *obj);

/**
 * daxpin_drain_run() - wait, fence, check, unbind
 * @d: the drain, with its targets added
 * @opts: how to wait
 *
 * Return: 0 when every target is unbound (or was already disabled; with
 * %DAXPIN_DRAIN_DRY_RUN: drainable now); -EBUSY: another drain holds a
 * target's lock (daxpin_drain_lock_holder()) or, for a dry run, something
 * still holds a target; -ETIMEDOUT; -EINTR (@opts->cancel_fd); -EPERM or
 * -ENOTSUP when page state cannot be read; other negative errnos when an
 * unbind failed. On every error before the unbind the targets are bound
 * and unchanged, and the objects show what held them at the last check;
 * daxpin_drain_reason() says why in words.
 */
int daxpin_drain_run(struct daxpin_drain *d, const struct daxpin_drain_options *opts);

const char *daxpin_drain_reason(const struct daxpin_drain *d);
/* The pid of the drain holding a lock when daxpin_drain_run() gave -EBUSY, or 0 */
pid_t daxpin_drain_lock_holder(const struct daxpin_drain *d);

/*
 * How a drain keeps new users away from device-dax devices while it makes
 * its last check and unbinds them. LSM: a BPF LSM program refuses opens
 * of them with EBUSY, through any node; it dies with the drain, however
 * the drain exits. RENAME, where the BPF LSM is not active or
 * DAXPIN_FENCE=rename: /dev/NAME is moved to /dev/.daxpin-fenced-NAME; a
 * drain killed inside it leaves the node there, for the next daxpin
 * command to restore (daxpin_fences_repair()). NONE: no device-dax fence
 * was raised (yet).
 */
enum daxpin_drain_fence {
	DAXPIN_DRAIN_FENCE_NONE,
	DAXPIN_DRAIN_FENCE_LSM,
	DAXPIN_DRAIN_FENCE_RENAME,
};

enum daxpin_drain_fence daxpin_drain_fence(const struct daxpin_drain *d);
/* why a RENAME fence was used instead of the LSM's, or NULL */
const char *daxpin_drain_fence_reason(const struct daxpin_drain *d);
size_t daxpin_drain_get_nr_objects(const struct daxpin_drain *d);
const struct daxpin_drain_object *daxpin_drain_get_object(const struct daxpin_drain *d,
							  size_t i);
void daxpin_drain_free(struct daxpin_drain *d);

/**
 * struct daxpin_fence_repair - a fence left by a drain that is gone
 * @name: the device whose node was fenced (daxX.Y)
 * @owner: the pid its drain lock names (that process is gone), 0 if none
 * @error: 0 when /dev/NAME is back (or, if udev made a new node meanwhile,
 *	that one stands and the fenced one was removed); else a negative
 *	errno, and the fenced node is left as it is (-EACCES: not root)
 */
struct daxpin_fence_repair {
	const char *name;
	pid_t owner;
	int error;
};

typedef void (*daxpin_fence_repair_fn)(const struct daxpin_fence_repair *r, void *arg);

/*
 * Restores every device node a drain fenced (renamed to
 * /dev/.daxpin-fenced-NAME) and did not restore because it died: a fence
 * whose drain lock nobody holds. A fence of a live drain is left alone.
 * Calls fn for each fence found without an owner. Returns how many were
 * restored, or a negative errno if /dev cannot be read.
 */
int daxpin_fences_repair(struct daxpin_ctx *ctx, daxpin_fence_repair_fn fn, void *arg);

/**
 * struct daxpin_memory_repair - memory blocks a drain offlined and did not
 *	put back, because it died
 * @name: the system-RAM dax device (daxX.Y)
 * @owner: the pid its drain lock names (that process is gone), 0 if none
 * @onlined: blocks put back online, each in the zone it was in
 * @error: 0 when every block of the record is online again (or went with
 *	its device); else a negative errno, and the record is kept for the
 *	next try (-EACCES: not root)
 */
struct daxpin_memory_repair {
	const char *name;
	pid_t owner;
	size_t onlined;
	int error;
};

typedef void (*daxpin_memory_repair_fn)(const struct daxpin_memory_repair *r, void *arg);

/*
 * Onlines again the memory blocks of every system-RAM drain that died
 * before it could (its record in /run/daxpin/offlined-NAME, whose drain lock
 * nobody holds). A live drain's record is left alone. Calls fn for each
 * record without an owner. Returns how many were repaired, or a negative
 * errno if /run/daxpin cannot be read.
 */
int daxpin_memory_repair(struct daxpin_ctx *ctx, daxpin_memory_repair_fn fn, void *arg);

#endif
