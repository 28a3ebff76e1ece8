/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_BPF_TASKS_H
#define DAXPIN_BPF_TASKS_H

/*
 * The kernel types the task iterators read (holders.bpf.c, owners.bpf.c;
 * pagestate.bpf.c reads an inode and its superblock too),
 * declared once for BPF CO-RE as daxpin_core.h does for pages: names and
 * kinds only, libbpf relocates every member against the running kernel.
 * Each program reads the members it needs; a member declared here and not
 * read costs nothing.
 */
#include "daxpin_core.h"

struct seq_file;
struct fs_struct;
struct css_set;
struct pipe_inode_info;

/*
 * The iterators' contexts are the kernel's ABI (their layout has not
 * changed since 5.8), so they are plain structs: each relocated type costs
 * libbpf a search of the whole kernel BTF at every cold load.
 */
struct bpf_iter_meta {
	struct seq_file *seq;
};

struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	__u32 i_rdev;
	unsigned long i_ino;
	struct super_block *i_sb;
	struct pipe_inode_info *i_pipe;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
	const void *f_op;
	unsigned int f_mode;
	void *private_data;
} __attribute__((preserve_access_index));

typedef struct {
	__s64 counter;
} atomic64_t;

struct mm_struct {
	struct file *exe_file;
	atomic64_t pinned_vm;
} __attribute__((preserve_access_index));

typedef struct {
	__u32 val;
} kuid_t;

struct cred {
	kuid_t euid;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	__u64 start_boottime;
	struct fs_struct *fs;
	struct mm_struct *mm;
	const struct cred *real_cred;
	struct css_set *cgroups;
	char comm[16];
} __attribute__((preserve_access_index));

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

#define S_IFMT 0170000

#endif
