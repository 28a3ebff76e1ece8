/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_LAYOUTS_H
#define DAXPIN_LAYOUTS_H

/* Fronts lib/layouts/. */

/*
 * Layout breaks on filesystem-DAX: before a truncate, hole punch, reflink
 * or dedupe (and, since Linux 6.15, before an inode is evicted) XFS, ext4
 * and virtiofs unmap the file's DAX pages and wait until no page of it is
 * referenced. A leaked reference (a pipe after vmsplice(), a stuck I/O)
 * keeps that task asleep with nothing telling the operator why. This finds
 * those tasks and what they are breaking.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <daxpin/pagestate.h>

struct daxpin_ctx;
struct daxpin_target;

/**
 * struct daxpin_layout_waiter - a task asleep in a layout break
 * @pid: thread group (process) id
 * @tid: the waiting thread
 * @comm: the thread's name
 * @state: 'S' (interruptible: a signal ends the wait) or 'D'
 *	(uninterruptible: the eviction-time wait of 6.15+)
 * @wait_fn: the kernel function it sleeps in, innermost first match of
 *	the kernel stack (root) or else /proc/PID/wchan: xfs_wait_dax_page,
 *	ext4_wait_dax_page, dax_break_layout_final, xfs_break_dax_layouts
 *	(6.1, where the wait is inlined)...
 * @wait_source: "stack" or "wchan"
 * @stack: the kernel stack, one function per line, or NULL (needs root)
 * @syscall_nr: the system call it is in; -1 none (a kernel thread), -2
 *	unknown (/proc/PID/syscall needs ptrace access: root or its owner)
 * @operation: what breaks the layout: "ftruncate", "truncate",
 *	"fallocate punch-hole", "ioctl FICLONE", "umount", "open O_TRUNC",
 *	"inode eviction"...; "unknown" without @syscall_nr
 * @file_known: whether @dev, @ino (and @path) name the file being broken
 * @dev, @ino: the file being broken
 * @path: its path as the waiting process sees it (" (deleted)" when
 *	unlinked), or NULL
 * @file_source: how the file was found: "fd N" (of the syscall, exact),
 *	"path argument" (read from the task's memory: the name may have been
 *	changed since), or NULL
 * @file_reason: why the file is unknown, when it is
 * @waited_ns: how long the thread has been asleep: the scheduler clock now
 *	(this thread's se.exec_start in /proc/thread-self/sched) minus the
 *	waiter's se.exec_start (when it last ran). A lower bound on the wait:
 *	a wake-up that found the page still busy restarts it. -1 when
 *	unknown.
 */
struct daxpin_layout_waiter {
	pid_t pid;
	pid_t tid;
	char comm[64];
	char state;
	const char *wait_fn;
	const char *wait_source;
	char *stack;
	long syscall_nr;
	char operation[64];
	bool file_known;
	dev_t dev;
	ino_t ino;
	char *path;
	char file_source[32];
	const char *file_reason;
	int64_t waited_ns;
};

/**
 * struct daxpin_layouts - the result of daxpin_layouts_scan()
 * @waiters: the waiting threads, by pid and tid
 * @nr_waiters: number of @waiters
 * @complete: false when some sleeping thread could not be examined
 *	(another user's, without root): then "none" is not known
 * @reason: why not complete, or NULL
 *
 * The waiters' files have no page state here: reading a file's extents
 * (FIEMAP) would wait behind the inode lock the layout break holds on XFS.
 */
struct daxpin_layouts {
	struct daxpin_layout_waiter *waiters;
	size_t nr_waiters;
	bool complete;
	const char *reason;
};

/**
 * daxpin_layouts_scan() - find the threads waiting in a layout break
 * @ctx: library context
 * @targets: only waiters on a file of these (mount points, files; see
 *	daxpin_target_add_path()); a waiter whose file is unknown matches
 *	every target. NULL: every waiter.
 * @nr_targets: number of @targets
 * @out: the result, freed with daxpin_layouts_free()
 *
 * Return: 0 or a negative errno.
 */
int daxpin_layouts_scan(struct daxpin_ctx *ctx,
			const struct daxpin_target *targets, size_t nr_targets,
			struct daxpin_layouts **out);
void daxpin_layouts_free(struct daxpin_layouts *l);

/**
 * daxpin_break_layouts_supported() - whether a same-size truncate of a file
 *	breaks its layouts
 * @fd: the file
 * @why: set to a sentence fragment when not ("not a DAX file (statx
 *	STATX_ATTR_DAX is clear)", "on ext2: ...")
 *
 * Return: 0 when it does (a regular DAX file on XFS or ext4), -ENOTSUP
 * when not, another negative errno when the file cannot be examined.
 */
int daxpin_break_layouts_supported(int fd, const char **why);

/**
 * struct daxpin_break - what daxpin_break_layouts() did to one file
 * @size: the file's size, kept
 * @broken: the truncate returned: every user mapping of the file was torn
 *	down and the kernel found no page of it referenced (see @pages for
 *	kernels that do not wait)
 * @timed_out: it was still waiting at the timeout and was killed
 * @interrupted: a signal to this process ended it
 * @error: the truncate's errno when it failed, else 0
 * @elapsed_ns: from the start of the truncate to its end or kill
 * @waiters: at the timeout, the threads waiting in a layout break of the
 *	file (the killed truncate among them); NULL otherwise
 * @pages_known: whether @pages is the file's page state: at the timeout,
 *	or right after the break
 * @pages: see @pages_known
 * @pages_reason: why not, when not
 * @times_restored: atime and mtime were set back to their values before
 * @left_running: the pid of a truncate that a kill did not end within 2 s
 *	(asleep uninterruptibly, e.g. behind another truncate's inode lock
 *	in its own layout break): it finishes when that one does, and then
 *	updates mtime, which nobody restores; 0 normally
 * @privs_restored: set-user-ID and set-group-ID bits (which a truncate
 *	by an unprivileged user clears) and the security.capability
 *	attribute (which every truncate removes) were put back; false when
 *	there was nothing to restore or it failed
 */
struct daxpin_break {
	uint64_t size;
	bool broken;
	bool timed_out;
	bool interrupted;
	int error;
	uint64_t elapsed_ns;
	struct daxpin_layouts *waiters;
	bool pages_known;
	struct daxpin_page_counts pages;
	const char *pages_reason;
	bool times_restored;
	pid_t left_running;
	bool privs_restored;
};

/**
 * daxpin_break_layouts() - force a layout break of a file, changing nothing
 * @ctx: library context
 * @fd: the file, open for writing; see daxpin_break_layouts_supported()
 * @timeout_ms: kill the truncate after this long; 0 waits for ever
 * @stop: when non-NULL and set (by a signal handler), kill it at once
 * @ps: a page-state handle for @res->pages, or NULL
 * @res: the outcome, daxpin_break_free() when done
 *
 * A child process truncates the file to the size it has (ftruncate):
 * XFS and ext4 then unmap the file from every process and wait until no
 * page of it is referenced. Size and data stay; ctime changes, and atime
 * and mtime are put back. A writer that extends the file between the
 * child's fstat() and its ftruncate() loses what it appended: do not run
 * this against a file that is being appended to.
 *
 * Return: 0 (see @res for what happened); -EBUSY when a thread already
 * waits in a layout break of the file (@res->waiters lists it; nothing was
 * done: a second truncate would queue behind its inode lock, unkillably);
 * or a negative errno when the child could not be started.
 */
int daxpin_break_layouts(struct daxpin_ctx *ctx, int fd, unsigned int timeout_ms,
			 const volatile int *stop, struct daxpin_pagestate *ps,
			 struct daxpin_break *res);
void daxpin_break_free(struct daxpin_break *res);

#endif
