/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_HOLDERS_INTERNAL_H
#define DAXPIN_HOLDERS_INTERNAL_H

/*
 * What the files of the holders scan share: target_match.c (whether a file
 * is one a target is known by), holders_maps.c (a process's mappings),
 * holders_proc.c (the /proc scan: descriptors, links, workers),
 * netfs_fds.c (open files on network file systems, stat'ed once),
 * holders_bpf.c (the same facts from BPF iterators), holders_merge.c (the
 * finds merged, the result's reasons) and holders.c (the public API).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <daxpin/holders.h>

#include "config.h"

/* The skeleton exists only when clang and bpftool were found (bpf/meson.build). */
#if HAVE_BPF && __has_include("daxpin.skel.h")
#define HOLDERS_BPF 1
#else
#define HOLDERS_BPF 0
#endif

struct statx;

/* What the scan knows of a file: enough to test every kind of key. */
struct file_id {
	dev_t dev;
	ino_t ino;
	mode_t mode;	/* S_IFMT bits; 0 when not known */
	dev_t rdev;
};

/*
 * Mapped files already identified, by (dev, inode). A maps line carries no
 * file type, so recognising a device node (a device-dax chardev, perhaps
 * under another name in another mount namespace) takes a stat through
 * /proc/PID/map_files; each distinct file costs that once per scan.
 */
struct id_cache {
	struct file_id *slots;	/* open addressing; ino == 0 marks a free slot */
	size_t size;		/* a power of two */
	size_t used;
};

/* The scan, shared read-only by its worker threads except where noted. */
struct scan {
	struct daxpin_ctx *ctx;
	const struct daxpin_target *targets;
	size_t nr_targets;
	bool has_device_keys;
	bool devices_map_shared;	/* every device key is a device-dax node */
	bool shared_maps_only;		/* and there are no other keys: no private mapping can match */
	unsigned int links;	/* which of cwd, root, exe can match some key */
	pid_t self;
	int proc_fd;		/* /proc, O_PATH, shared by the workers */
	pid_t *pids;		/* the processes in /proc when the scan began */
	size_t nr_pids;
	size_t next;		/* the next pid to take; atomic */
	bool timed_out;		/* atomic */
	bool no_query;		/* atomic: the kernel has no PROCMAP_QUERY */
	bool pidfds;		/* each holding process gets a pidfd */
	struct timespec deadline;	/* zero: none */
	dev_t *netfs_devs;	/* our mounts of network file systems (libmount's list) */
	size_t nr_netfs_devs;
};

/* The last file on a network file system a worker stat'ed at one fd number. */
struct netfs_fd {
	bool valid;
	int mnt_id;
	uint64_t ino;
	struct file_id id;
};

/* fd numbers remembered: stdio and what a parent opens before it forks */
#define HOLDERS_NETFS_FDS 16

/* A process found holding a target, in a worker's flat list. */
struct held {
	size_t target;
	size_t proc;		/* index into the worker's procs */
	struct daxpin_holder holder;
};

struct worker {
	struct scan *s;
	pthread_t thread;
	struct id_cache cache;
	char *buf;		/* maps text */
	size_t buf_size;
	struct daxpin_holder *acc;	/* per target: the process being scanned */
	struct daxpin_process *procs;
	size_t nr_procs, procs_cap;
	struct held *held;
	size_t nr_held, held_cap;
	size_t unreadable;	/* processes whose maps or fds were denied */
	size_t unidentified;	/* mappings whose file type could not be read */
	size_t unexamined;	/* processes skipped for another reason (EMFILE...) */
	int unexamined_error;	/* the first one's errno */
	size_t without_pidfd;	/* holders whose pidfd could not be opened */
	struct netfs_fd netfs[HOLDERS_NETFS_FDS];
	size_t netfs_hits;	/* open files identified by their fdinfo */
	int rc;
};

/* A file-backed mapping, from either source. */
struct vma {
	uint64_t start, end;
	dev_t dev;
	ino_t ino;
	bool shared, writable;
};

/* target_match.c */
bool holders_target_matches(const struct daxpin_target *t, const struct file_id *id);
bool holders_devices_map_shared(const struct daxpin_target *targets, size_t nr_targets);

/* holders_maps.c */
void holders_vma_match(struct worker *w, const struct vma *v, const struct file_id *id);
int holders_scan_maps(struct worker *w, int dfd);
int holders_stat_entry(int dirfd, const char *name, struct file_id *id);
void holders_id_from_statx(struct file_id *id, const struct statx *stx);

/* netfs_fds.c */
bool holders_on_netfs(const struct scan *s, dev_t dev);
bool holders_fdinfo_parse(const char *text, int *mnt_id, uint64_t *ino);
/* fd name of the process at pid_dfd, in its fd directory fd_dfd */
int holders_stat_fd(struct worker *w, int pid_dfd, int fd_dfd, const char *name,
		    struct file_id *id);

/* holders_proc.c */
int holders_pidfd(const struct scan *s, pid_t pid);
int holders_push_process(struct worker *w, struct daxpin_process *p);
void holders_worker_release(struct worker *w);
void holders_deadline_set(struct timespec *deadline, unsigned int timeout_ms);
void holders_process_release(struct daxpin_process *p);
bool holders_in_initial_pid_ns(void);
unsigned int holders_links_that_can_match(const struct daxpin_target *targets,
					  size_t nr_targets);
int holders_worker_init(struct worker *w, struct scan *s);
bool holders_any_access(const struct worker *w);
int holders_scan_proc(struct scan *s, struct daxpin_holders *h);
void holders_match_access(struct worker *w, const struct file_id *id, unsigned int access);
/* the cgroup path of a process, through its /proc/PID dirfd */
int holders_read_cgroup(int dfd, struct daxpin_process *p);

/* holders_merge.c */
int holders_merge(struct daxpin_holders *h, struct worker *w, size_t nr_w);
int holders_set_reason(struct daxpin_holders *h);

/* holders_bpf.c */
int holders_scan_bpf(struct scan *s, struct daxpin_holders *h);

#endif
