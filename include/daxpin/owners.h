/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_OWNERS_H
#define DAXPIN_OWNERS_H

/* Fronts lib/pages/. */

/*
 * Reference owners: the processes behind the page references of a DAX
 * device, where the kernel keeps them findable.
 *
 * A process that vmsplice()s pages of a device into a pipe and then unmaps
 * and closes the device no longer maps or opens anything of it, yet the
 * pipe holds a reference to every spliced page until it is drained; so
 * does every process holding either end of that pipe (after fork(),
 * SCM_RIGHTS or opening the FIFO by path). A BPF iterator over all open
 * files follows pipes and io_uring rings to the pages they hold and matches
 * their page frame numbers against the target's ranges: those owners are
 * exact. RDMA memory regions and VFIO DMA mappings are not reached: a
 * process with an open verbs device and pinned memory, or with an open VFIO
 * container, group or device, is reported as a hint, never as exact. What no
 * owner explains (in-flight I/O, a socket's queued pages, kernel users, the
 * pins behind a hint) is counted as unattributed references.
 *
 * Needs what page state needs (CAP_BPF and CAP_PERFMON, kernel BTF, no
 * lockdown=confidentiality) and the initial pid namespace; without them
 * the scan says why instead of reporting nobody.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <daxpin/pagestate.h>
#include <daxpin/topology.h>

struct daxpin_ctx;
struct daxpin_target;

/**
 * enum daxpin_ref_kind - what holds page references for a process
 * @DAXPIN_REF_PIPE: a pipe or FIFO whose buffers hold the pages (exact)
 * @DAXPIN_REF_IO_URING: an io_uring ring with the pages registered as a
 *	fixed buffer (exact)
 * @DAXPIN_REF_RDMA_HINT: an open RDMA verbs device and pinned memory
 *	(VmPin > 0): the process may pin the target's pages; not verified
 * @DAXPIN_REF_RESIDENT: system RAM: pages of the range mapped into the
 *	process (from /proc/PID/pagemap), which an offline migrates; @pages
 *	counts them, @fd is -1
 * @DAXPIN_REF_VFIO_HINT: an open VFIO container, group or device: the
 *	process may have the target's pages mapped for DMA (VFIO_IOMMU_MAP_DMA
 *	pins them); not verified. Whatever its VmLck and VmPin: VFIO accounts
 *	no pin of device-dax pages (the kernel marks them reserved)
 */
enum daxpin_ref_kind {
	DAXPIN_REF_PIPE,
	DAXPIN_REF_IO_URING,
	DAXPIN_REF_RDMA_HINT,
	DAXPIN_REF_VFIO_HINT,
	DAXPIN_REF_RESIDENT,
};

/* Which end of a pipe a file descriptor is (its open mode). */
enum daxpin_pipe_end {
	DAXPIN_PIPE_READ = 1 << 0,
	DAXPIN_PIPE_WRITE = 1 << 1,
};

/**
 * struct daxpin_reference - page references a process holds through one fd
 * @kind: what the fd is
 * @fd: the file descriptor number in the process
 * @inode: the pipe's, FIFO's or ring's inode number (for a pipe, the
 *	number /proc/PID/fd shows as pipe:[N])
 * @end: pipes: %DAXPIN_PIPE_READ and/or %DAXPIN_PIPE_WRITE
 * @pages: page references of the target held through the fd: one per pipe
 *	buffer, one per registered page; 0 for a hint
 * @runs: the pages, as runs of consecutive page frames
 * @nr_runs: number of @runs
 */
struct daxpin_reference {
	enum daxpin_ref_kind kind;
	int fd;
	uint64_t inode;
	unsigned int end;
	uint64_t pages;
	struct daxpin_pfn_range *runs;
	size_t nr_runs;
};

/**
 * struct daxpin_owner - a process owning references to a target's pages
 * @pid: process id
 * @start_time_ns: when it started, ns since boot: with @pid, names the
 *	process for good
 * @uid: effective uid
 * @comm: process name
 * @vm_pinned_bytes: its pinned memory (VmPin)
 * @refs: the fds through which it owns references, by fd
 * @nr_refs: number of @refs
 */
struct daxpin_owner {
	pid_t pid;
	uint64_t start_time_ns;
	uid_t uid;
	char comm[16];
	uint64_t vm_pinned_bytes;
	struct daxpin_reference *refs;
	size_t nr_refs;
};

/**
 * struct daxpin_target_owners - the owners of one target's references
 * @owners: by pid
 * @nr_owners: number of @owners
 * @attributed: page references the exact owners explain, each pipe or
 *	ring counted once however many processes hold it; a registered page
 *	of an io_uring ring is a pin, counted as the kernel counts it
 * @refs_known: whether @refs and @unattributed are known (page state
 *	available)
 * @refs: page references from page state (daxpin_page_counts::refs)
 * @unattributed: @refs that no exact owner explains (0 if negative:
 *	references taken or dropped between the two scans)
 * @truncated: some pipe or ring held more runs of pages than one record
 *	passes on; their references count as unattributed
 * @unmovable_known: system RAM: whether @unmovable is known
 * @unmovable: system RAM: pages no process holds that keep its memory from
 *	going offline, by kind (for system RAM @refs and @unattributed count
 *	referenced and pinned pages, not references)
 */
struct daxpin_target_owners {
	struct daxpin_owner *owners;
	size_t nr_owners;
	uint64_t attributed;
	bool refs_known;
	uint64_t refs;
	uint64_t unattributed;
	bool truncated;
	bool unmovable_known;
	struct daxpin_unmovable_pages {
		uint64_t slab;
		uint64_t page_tables;
		uint64_t reserved;
		uint64_t kernel;
	} unmovable;
};

/**
 * struct daxpin_owners - the result of daxpin_owners_scan()
 * @targets: one per target, in order
 * @nr_targets: number of @targets
 * @reason: NULL when owners were scanned; else why not ("needs CAP_BPF
 *	and CAP_PERFMON (run as root)", ...), and @targets is empty
 * @error: with @reason, the negative errno behind it (-EPERM: privilege)
 * @refs_reason: why page references are unknown (page state unavailable),
 *	or NULL
 */
struct daxpin_owners {
	struct daxpin_target_owners *targets;
	size_t nr_targets;
	char *reason;
	int error;
	char *refs_reason;
};

/**
 * struct daxpin_owners_target - the pages of one target
 * @ranges: its page frame ranges
 * @nr_ranges: number of @ranges
 * @kind: what its pages are used for (decides the idle reference count)
 * @large_folios: its pages form compound folios (device-dax aligned to 2M
 *	or 1G): a DMA pin of one is one reference, not
 *	GUP_PIN_COUNTING_BIAS (1024) as for a small folio
 */
struct daxpin_owners_target {
	struct daxpin_pfn_range *ranges;
	size_t nr_ranges;
	enum daxpin_page_kind kind;
	bool large_folios;
};

/**
 * daxpin_owners_target_from() - the pages of a holders target
 * @topo: the topology the target's devices are in
 * @t: a target built with daxpin_target_add_*()
 * @out: filled with copies of the ranges of its dax devices and fsdax
 *	namespaces (empty for a single file: owners are found per device)
 *
 * Return: 0 or -ENOMEM. Clear @out with daxpin_owners_target_clear().
 */
int daxpin_owners_target_from(const struct daxpin_topology *topo,
			      const struct daxpin_target *t,
			      struct daxpin_owners_target *out);
void daxpin_owners_target_clear(struct daxpin_owners_target *t);

/**
 * daxpin_owners_scan() - find the owners of the targets' page references
 * @ctx: library context
 * @targets: the targets' pages
 * @nr_targets: number of @targets
 * @out: the result
 *
 * One pass of the BPF iterator over all processes' open files for all
 * targets, then one page-state scan per target for the reference counts.
 *
 * Return: 0 (also when owners are unavailable: then (*out)->reason says
 * why) or a negative errno (-ENOMEM, a failed read of the iterator).
 */
int daxpin_owners_scan(struct daxpin_ctx *ctx,
		       const struct daxpin_owners_target *targets, size_t nr_targets,
		       struct daxpin_owners **out);
void daxpin_owners_free(struct daxpin_owners *o);


/**
 * daxpin_ref_kind_name() - stable name of a reference kind
 * @kind: the kind
 *
 * Return: "pipe", "io_uring", "rdma-hint" or "vfio-hint"; NULL for an
 * unknown value.
 */
const char *daxpin_ref_kind_name(enum daxpin_ref_kind kind);

#endif
