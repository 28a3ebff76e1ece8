// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * A drain's fence as a BPF LSM program: opens of the character devices in
 * fenced[] fail with EBUSY, through any node of any name. It is attached
 * through a link that only the drain's descriptor holds (nothing pinned),
 * so the kernel detaches it when the drain exits, however it exits: a
 * killed drain leaves nothing fenced. The drain fills fenced[] before it
 * attaches the program.
 *
 * Where the BPF LSM is not active (bpf missing from the kernel's lsm=
 * list) the program attaches but is never called: probe_tgid makes the
 * drain's own opens of probe_rdev fail, and only its own, so that it can
 * see whether the fence works before relying on it.
 */
#include "../core/daxpin_tasks.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_IFCHR 0020000
#define EBUSY 16
/* how many devices one drain fences */
#define DEVDAX_FENCE_MAX 64

__u32 fenced[DEVDAX_FENCE_MAX];	/* kernel dev_t: major << 20 | minor */
__u32 nr_fenced;
__u32 probe_tgid;
__u32 probe_rdev;

SEC("lsm/file_open")
int BPF_PROG(devdax_fence_open, struct file *file, int ret)
{
	struct inode *inode = file->f_inode;
	__u32 rdev;

	if (ret)
		return ret;
	if ((inode->i_mode & S_IFMT) != S_IFCHR)
		return 0;
	rdev = inode->i_rdev;
	if (probe_tgid && rdev == probe_rdev && bpf_get_current_pid_tgid() >> 32 == probe_tgid)
		return -EBUSY;
	for (__u32 i = 0; i < DEVDAX_FENCE_MAX && i < nr_fenced; i++)
		if (fenced[i] == rdev)
			return -EBUSY;
	return 0;
}
