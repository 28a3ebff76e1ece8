// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * The holders scan inside the kernel: BPF iterators over every task's open
 * files (iter/task_file), mappings (iter/task_vma) and cwd, root and exe
 * (iter/task). Read through /proc, the same facts cost a dozen system calls
 * and a page of formatted text per process; here one read() of each
 * iterator returns only the few records whose device could match a key.
 * Matching itself stays in user space (lib/holders/holders.c), shared with the
 * /proc scan.
 */
#include "../core/daxpin_tasks.h"
#include "../core/daxpin_search.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "holders_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* CO-RE declarations of what the programs read; libbpf relocates them. */
struct dentry {
	struct inode *d_inode;
} __attribute__((preserve_access_index));

struct path {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
	struct path pwd;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;		/* 6.1 ... 7.2 */
	unsigned long __vm_flags;	/* the writable alias since 6.3 */
	struct file *vm_file;
} __attribute__((preserve_access_index));

/* iterator contexts: kernel ABI, not relocated (daxpin_tasks.h) */
struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
};

#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define VM_WRITE 0x2
#define VM_MAYSHARE 0x80	/* what maps shows as "s": VM_SHARED is cleared for read-only files */

/* set by user space after loading, before the iterators run */
struct holders_filter holders_filter;

/* Whether v is among the first nr entries of set, sorted ascending with the
 * rest UINT32_MAX (filter_fill() in lib/holders/holders_bpf.c). */
static __always_inline int in_set(const __u32 *set, __u32 nr, __u32 v)
{
	__u64 i = 0;

	_Static_assert(HOLDERS_DEVS_MAX == 64, "SEARCH64");
#define DEV_BEFORE(k) ((__s64)set[k] - (__s64)v)
	SEARCH64(i, DEV_BEFORE);
#undef DEV_BEFORE
	return i < nr && set[i & (HOLDERS_DEVS_MAX - 1)] == v;
}

/*
 * Passes the inode on if its filesystem or, for a device node, its device
 * is wanted. The programs load fields directly, not with
 * bpf_probe_read_kernel(): iterator contexts hold BTF pointers, whose loads
 * the verifier makes fault-safe without a helper call per field.
 */
static __always_inline void emit(struct seq_file *seq, __u32 kind,
				 struct task_struct *task, struct inode *inode,
				 struct vm_area_struct *vma)
{
	struct holders_rec r = {};
	struct super_block *sb;
	__u32 type;

	if (!inode)
		return;
	sb = inode->i_sb;
	if (!sb)
		return;
	r.dev = sb->s_dev;
	r.mode = inode->i_mode;
	r.rdev = inode->i_rdev;
	type = r.mode & S_IFMT;
	if (!in_set(holders_filter.devs, holders_filter.nr_devs, r.dev) &&
	    !((type == S_IFCHR || type == S_IFBLK) &&
	      in_set(holders_filter.rdevs, holders_filter.nr_rdevs, r.rdev)))
		return;
	r.kind = kind;
	r.tgid = task->tgid;
	r.start_boottime = task->start_boottime;
	r.ino = inode->i_ino;
	if (vma) {
		unsigned long flags;

		if (bpf_core_field_exists(vma->vm_flags))
			flags = vma->vm_flags;
		else
			flags = vma->__vm_flags;
		r.start = vma->vm_start;
		r.end = vma->vm_end;
		r.vm_shared_write = (flags & VM_MAYSHARE ? 1 : 0) | (flags & VM_WRITE ? 2 : 0);
	}
	bpf_seq_write(seq, &r, sizeof(r));
}

SEC("iter/task_file")
int holders_fds(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;

	if (task && file)
		emit(ctx->meta->seq, HOLDERS_REC_FD, task, file->f_inode, NULL);
	return 0;
}

SEC("iter/task_vma")
int holders_vmas(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct file *file;

	if (!task || !vma)
		return 0;
	/* threads share the leader's address space: count it once */
	if (task->pid != task->tgid)
		return 0;
	file = vma->vm_file;
	if (file)
		emit(ctx->meta->seq, HOLDERS_REC_VMA, task, file->f_inode, vma);
	return 0;
}

SEC("iter/task")
int holders_links(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct holders_rec r = {};
	struct mm_struct *mm;
	struct fs_struct *fs;

	if (!task || task->pid != task->tgid)
		return 0;
	mm = task->mm;
	/*
	 * Who every process is, filtered in user space: this program runs
	 * twice, and the second run, after user space opened pidfds, proves
	 * those pidfds name the processes the first run found.
	 */
	r.kind = HOLDERS_REC_TASK;
	r.tgid = task->tgid;
	r.start_boottime = task->start_boottime;
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->comm);
	r.euid = task->real_cred->euid.val;
	r.pinned_pages = mm ? mm->pinned_vm.counter : 0;
	r.cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	bpf_seq_write(seq, &r, sizeof(r));
	fs = task->fs;
	if (fs) {
		emit(seq, HOLDERS_REC_CWD, task, fs->pwd.dentry->d_inode, NULL);
		emit(seq, HOLDERS_REC_ROOT, task, fs->root.dentry->d_inode, NULL);
	}
	if (mm && mm->exe_file)
		emit(seq, HOLDERS_REC_EXE, task, mm->exe_file->f_inode, NULL);
	return 0;
}
