/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_HOLDERS_ABI_H
#define DAXPIN_HOLDERS_ABI_H

/*
 * What the holders BPF iterators (holders.bpf.c) and the library
 * (lib/holders/holders.c) exchange. The programs only filter: they pass on every
 * open file, mapping, cwd, root and exe whose device could match a key,
 * and user space decides, with the same code as for /proc, what matches.
 * Device numbers are in the kernel's encoding (major << 20 | minor).
 */

#define HOLDERS_DEVS_MAX 64

enum holders_rec_kind {
	HOLDERS_REC_FD,
	HOLDERS_REC_VMA,
	HOLDERS_REC_CWD,
	HOLDERS_REC_ROOT,
	HOLDERS_REC_EXE,
	HOLDERS_REC_TASK,	/* every process: who it is (comm, euid, ...) */
};

struct holders_rec {
	__u32 kind;		/* enum holders_rec_kind */
	__u32 tgid;
	__u64 start_boottime;	/* ns; with tgid, names the process for good */
	__u64 ino;
	__u32 dev;		/* the inode's filesystem */
	__u32 rdev;		/* device nodes: the device */
	__u32 mode;		/* i_mode */
	__u32 vm_shared_write;	/* VMA: bit 0 shared, bit 1 writable */
	__u64 start, end;	/* VMA */
	/* TASK: what /proc/PID/status and cgroup would say */
	char comm[16];
	__u32 euid;
	__u32 pad;
	__u64 pinned_pages;	/* mm->pinned_vm: VmPin */
	__u64 cgroup_id;	/* of the cgroup v2 hierarchy */
};

/* The devices to pass on: filesystems (st_dev) and device nodes (st_rdev),
 * each set sorted ascending, UINT32_MAX after the last (the programs search
 * it in halves). */
struct holders_filter {
	__u32 devs[HOLDERS_DEVS_MAX];
	__u32 nr_devs;
	__u32 rdevs[HOLDERS_DEVS_MAX];
	__u32 nr_rdevs;
};

#endif
