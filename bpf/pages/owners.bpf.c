// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * Reference owners: which open files hold references to pages of a DAX
 * device. One BPF iterator over every task's open files (iter/task_file)
 * follows the files that keep struct page pointers the kernel can show us:
 *
 * - a pipe or FIFO: pipe_inode_info's ring of pipe_buffers between tail
 *   and head, each holding one reference to its page (vmsplice(), splice());
 * - an io_uring ring: its registered (fixed) buffers, each a bio_vec array
 *   of pinned pages (ctx->user_bufs up to 6.12, ctx->buf_table since);
 * - an RDMA verbs file: its memory regions sit in an xarray of uobjects the
 *   program does not walk, so it is passed on as a hint only, when the
 *   process has pinned memory (mm->pinned_vm);
 * - a VFIO container, group or device file: its DMA mappings sit in the
 *   vfio_iommu_type1 module's tree, not walked either: a hint as well, with
 *   no condition on the process's memory accounting, because type1 counts
 *   its pins in locked_vm but skips pages the kernel marks reserved, which
 *   device-dax pages are: VmLck and VmPin stay 0 while they are pinned.
 *
 * A page pointer becomes a page frame number through vmemmap_base, as in
 * pagestate.bpf.c; only pages in the wanted ranges are passed on, as runs
 * of consecutive pages. Threads sharing a file table are visited once by
 * the iterator itself. Which process and fd owns what is decided in user
 * space (lib/pages/owners.c).
 */
#include "../core/daxpin_tasks.h"
#include "../core/daxpin_ksyms.h"
#include "../core/daxpin_search.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "owners_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Kernel addresses, found by owners_setup once per load (daxpin_ksyms.h) */
struct owners_ksyms ksyms;

struct pipe_buffer {
	struct page *page;
	unsigned int offset;
	unsigned int len;
} __attribute__((preserve_access_index));

/* head and tail: plain members on 6.1, inside union pipe_index on 7.2 */
struct pipe_inode_info {
	unsigned int head;
	unsigned int tail;
	unsigned int ring_size;
	struct pipe_buffer *bufs;
} __attribute__((preserve_access_index));

struct bio_vec {
	struct page *bv_page;
	unsigned int bv_len;
	unsigned int bv_offset;
} __attribute__((preserve_access_index));

struct io_mapped_ubuf {
	unsigned int nr_bvecs;
	struct bio_vec bvec[0];
} __attribute__((preserve_access_index));

/* 7.2: a table of nodes, each pointing to its buffer */
struct io_rsrc_node {
	struct io_mapped_ubuf *buf;
} __attribute__((preserve_access_index));

struct io_rsrc_data {
	unsigned int nr;
	struct io_rsrc_node **nodes;
} __attribute__((preserve_access_index));

struct io_ring_ctx {
	unsigned int nr_user_bufs;		/* 6.1 */
	struct io_mapped_ubuf **user_bufs;	/* 6.1 */
	struct io_rsrc_data buf_table;		/* 7.2 */
} __attribute__((preserve_access_index));

#define S_IFMT 0170000
#define S_IFIFO 0010000
#define PAGE_SHIFT 12
#define PAGE_MASK_LOW ((1U << PAGE_SHIFT) - 1)
/* the longest walk of one file: a pipe ring of 2^16 buffers is 256 MiB */
#define WALK_STEPS_MAX (1U << 20)

/* set by user space after loading, before the iterator runs */
struct owners_filter owners_filter;

/* the runs of the file being walked, written out after the walk */
struct owners_rec owners_runs[OWNERS_RUNS_MAX];
/* indexes are masked as well as checked: the verifier loses the checks
 * that clang moves away from the access */
#define RUN(i) owners_runs[(i) & (OWNERS_RUNS_MAX - 1)]
_Static_assert((OWNERS_RUNS_MAX & (OWNERS_RUNS_MAX - 1)) == 0, "OWNERS_RUNS_MAX: a power of two");

/* Walk state, in .bss because bpf_loop() callbacks cannot reach the
 * iterator's context; one reader of the iterator at a time. */
static struct {
	__u64 vmemmap;		/* value of vmemmap_base */
	__u32 psz;		/* sizeof(struct page) */
	__u32 nr_runs;
	__s32 last_range;	/* range of runs[nr_runs - 1] */
	__u32 truncated;
	/* pipe */
	__u64 bufs;		/* pipe_buffer array */
	__u32 tail, mask;
	/* io_uring: table of buffers (6.1) or of nodes (7.2) */
	__u64 table;
	__u32 nr_table, next;
	__u64 imu;		/* the buffer being walked, 0 between buffers */
	__u32 nr_bvecs, bvec;
	struct owners_rec tmpl;	/* who: copied into every run */
	/*
	 * The kernel's layout of what the callbacks read, taken by owners_fds:
	 * libbpf applies a callback's CO-RE relocations (a subprogram's) at
	 * every load of the object, whichever programs it loads, those of
	 * owners_fds only when it loads owners_fds.
	 */
	__u32 pb_size, pb_page;		/* struct pipe_buffer, .page */
	__u32 nodes, node_buf;		/* 7.2: a table of io_rsrc_node, .buf */
	__u32 imu_nr_bvecs, imu_bvec;	/* struct io_mapped_ubuf */
	__u32 bv_size, bv_page, bv_offset, bv_len;	/* struct bio_vec */
} w;

/* The filter's range that holds pfn, or -1: the ranges are sorted and
 * disjoint, so the first that ends past pfn is the only one that can. */
static __always_inline int range_of(__u64 pfn)
{
	__u64 i = 0;

	_Static_assert(OWNERS_RANGES_MAX == 64, "SEARCH64");
#define END_BEFORE(k) ((__s64)owners_filter.end[k] - (__s64)pfn - 1)
	SEARCH64(i, END_BEFORE);
#undef END_BEFORE
	i &= OWNERS_RANGES_MAX - 1;
	if (i >= owners_filter.nr_ranges || pfn < owners_filter.start[i] ||
	    pfn >= owners_filter.end[i])
		return -1;
	return (int)i;
}

/* Records n pages from the struct page at page_addr + skip pages if they
 * are wanted, extending the last run where they continue it. A global
 * function: the verifier checks it once, not in every caller. */
__noinline int add_pages(__u64 page_addr, __u64 skip, __u64 n)
{
	__u32 k = w.nr_runs;
	struct owners_rec *r;
	__u64 pfn;
	int range;

	if (page_addr < w.vmemmap || !n)
		return 0;
	pfn = (page_addr - w.vmemmap) / w.psz + skip;
	range = range_of(pfn);
	if (range < 0)
		return 0;
	if (k > 0 && k <= OWNERS_RUNS_MAX && w.last_range == range) {
		r = &RUN(k - 1);
		if (r->pfn + r->nr_pages == pfn) {
			r->nr_pages += n;
			return 0;
		}
	}
	if (k >= OWNERS_RUNS_MAX) {
		w.truncated++;
		return 0;
	}
	r = &RUN(k);
	*r = w.tmpl;
	r->pfn = pfn;
	r->nr_pages = n;
	w.nr_runs = k + 1;
	w.last_range = range;
	return 0;
}

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

static __always_inline __u32 read_u32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

/* One pipe buffer: one reference to its page. */
static long pipe_buffer_step(__u32 i, void *unused)
{
	__u64 buf = w.bufs + (__u64)((w.tail + i) & w.mask) * w.pb_size;

	add_pages(read_ptr(buf + w.pb_page), 0, 1);
	return 0;
}

/* One bio_vec of an io_uring fixed buffer, or a step to the next buffer. */
static long ring_step(__u32 i, void *unused)
{
	__u64 bv, page;
	__u32 off, len;

	if (!w.imu) {
		if (w.next >= w.nr_table)
			return 1;
		w.imu = read_ptr(w.table + (__u64)w.next++ * sizeof(__u64));
		/* 7.2: the table holds nodes, each pointing to its buffer */
		if (w.imu && w.nodes)
			w.imu = read_ptr(w.imu + w.node_buf);
		if (w.imu)
			w.nr_bvecs = read_u32(w.imu + w.imu_nr_bvecs);
		w.bvec = 0;
		return 0;
	}
	if (w.bvec >= w.nr_bvecs) {
		w.imu = 0;
		return 0;
	}
	bv = w.imu + w.imu_bvec + (__u64)w.bvec++ * w.bv_size;
	page = read_ptr(bv + w.bv_page);
	off = read_u32(bv + w.bv_offset);
	len = read_u32(bv + w.bv_len);
	/* a bio_vec may span the pages of a folio, from its first page */
	add_pages(page, off >> PAGE_SHIFT,
		  ((off & PAGE_MASK_LOW) + (__u64)len + PAGE_MASK_LOW) >> PAGE_SHIFT);
	return 0;
}

static __always_inline void walk_pipe(struct pipe_inode_info *pipe)
{
	__u32 head = pipe->head, tail = pipe->tail, size = pipe->ring_size;

	/* ring_size is a power of two; an empty or changing pipe has nothing */
	if (head == tail || !size || head - tail > size)
		return;
	w.bufs = (__u64)pipe->bufs;
	w.tail = tail;
	w.mask = size - 1;
	bpf_loop(head - tail, pipe_buffer_step, NULL, 0);
}

static __always_inline void walk_ring(struct io_ring_ctx *ctx)
{
	if (bpf_core_field_exists(ctx->buf_table)) {
		w.table = (__u64)BPF_CORE_READ(ctx, buf_table.nodes);
		w.nr_table = BPF_CORE_READ(ctx, buf_table.nr);
	} else if (bpf_core_field_exists(ctx->user_bufs)) {
		w.table = (__u64)BPF_CORE_READ(ctx, user_bufs);
		w.nr_table = BPF_CORE_READ(ctx, nr_user_bufs);
	} else {
		return;
	}
	if (!w.table || !w.nr_table)
		return;
	w.next = 0;
	w.imu = 0;
	bpf_loop(WALK_STEPS_MAX, ring_step, NULL, 0);
}

static __always_inline void who(struct task_struct *task, __u32 kind, __u32 fd,
				struct file *file, struct inode *inode, __u64 object)
{
	struct mm_struct *mm = task->mm;

	w.tmpl.kind = kind;
	w.tmpl.tgid = task->tgid;
	w.tmpl.start_boottime = task->start_boottime;
	w.tmpl.fd = fd;
	w.tmpl.f_mode = file->f_mode;
	w.tmpl.ino = inode->i_ino;
	w.tmpl.object = object;
	w.tmpl.pinned_pages = mm ? mm->pinned_vm.counter : 0;
	w.tmpl.euid = task->real_cred->euid.val;
	w.tmpl.truncated = 0;
	bpf_probe_read_kernel_str(w.tmpl.comm, sizeof(w.tmpl.comm), task->comm);
}

/* a kernel without the module (not loaded, not built) has no such fops: 0 */
static __always_inline int is_fops(const void *fop, __u64 addr)
{
	return addr && (__u64)fop == addr;
}

SEC("iter/task_file")
int owners_fds(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct inode *inode;
	const void *fop;
	__u32 n;

	if (!task || !file)
		return 0;
	inode = file->f_inode;
	if (!inode)
		return 0;
	if (!w.vmemmap) {
		bpf_probe_read_kernel(&w.vmemmap, sizeof(w.vmemmap),
				      (const void *)ksyms.vmemmap_base);
		w.psz = bpf_core_type_size(struct page);
		if (!w.vmemmap || !w.psz)
			return 1;
		w.pb_size = bpf_core_type_size(struct pipe_buffer);
		w.pb_page = bpf_core_field_offset(struct pipe_buffer, page);
		w.nodes = bpf_core_field_exists(struct io_ring_ctx, buf_table);
		if (w.nodes)
			w.node_buf = bpf_core_field_offset(struct io_rsrc_node, buf);
		w.imu_nr_bvecs = bpf_core_field_offset(struct io_mapped_ubuf, nr_bvecs);
		w.imu_bvec = bpf_core_field_offset(struct io_mapped_ubuf, bvec);
		w.bv_size = bpf_core_type_size(struct bio_vec);
		w.bv_page = bpf_core_field_offset(struct bio_vec, bv_page);
		w.bv_offset = bpf_core_field_offset(struct bio_vec, bv_offset);
		w.bv_len = bpf_core_field_offset(struct bio_vec, bv_len);
	}
	w.nr_runs = 0;
	w.truncated = 0;
	w.last_range = -1;
	fop = file->f_op;

	if ((inode->i_mode & S_IFMT) == S_IFIFO && inode->i_pipe) {
		who(task, OWNERS_REC_PIPE, ctx->fd, file, inode, (__u64)inode->i_pipe);
		walk_pipe(inode->i_pipe);
	} else if (is_fops(fop, ksyms.io_uring_fops) && file->private_data) {
		who(task, OWNERS_REC_IO_URING, ctx->fd, file, inode, (__u64)file->private_data);
		walk_ring(file->private_data);
	} else if ((is_fops(fop, ksyms.uverbs_fops) || is_fops(fop, ksyms.uverbs_mmap_fops)) &&
		   task->mm && task->mm->pinned_vm.counter > 0) {
		who(task, OWNERS_REC_UVERBS, ctx->fd, file, inode, (__u64)file->private_data);
		bpf_seq_write(seq, &w.tmpl, sizeof(w.tmpl));
		return 0;
	} else if (is_fops(fop, ksyms.vfio_fops) || is_fops(fop, ksyms.vfio_group_fops) ||
		   is_fops(fop, ksyms.vfio_device_fops)) {
		who(task, OWNERS_REC_VFIO, ctx->fd, file, inode, (__u64)file->private_data);
		bpf_seq_write(seq, &w.tmpl, sizeof(w.tmpl));
		return 0;
	}

	n = w.nr_runs;
	if (!n || n > OWNERS_RUNS_MAX)
		return 0;
	RUN(n - 1).truncated = w.truncated;
	bpf_seq_write(seq, owners_runs, n * sizeof(owners_runs[0]));
	return 0;
}

/* Run by the loader: the addresses owners_fds compares with. Only
 * vmemmap_base must exist; a module's fops are there while it is loaded,
 * and are found again once per load of those modules (lib/pages/owners.c). */
SEC("syscall")
int owners_setup(void *ctx)
{
	ksyms.error = KSYM_ADDR("vmemmap_base", &ksyms.vmemmap_base);
	/* io_uring and ib_uverbs files; uverbs_mmap_fops: with an mmap
	 * method (soft-RoCE and most hardware) */
	KSYM_ADDR("io_uring_fops", &ksyms.io_uring_fops);
	KSYM_ADDR("uverbs_fops", &ksyms.uverbs_fops);
	KSYM_ADDR("uverbs_mmap_fops", &ksyms.uverbs_mmap_fops);
	/* vfio's container (/dev/vfio/vfio), group (/dev/vfio/N) and device
	 * files (the device holds its group, the group its container) */
	KSYM_ADDR("vfio_fops", &ksyms.vfio_fops);
	KSYM_ADDR("vfio_group_fops", &ksyms.vfio_group_fops);
	KSYM_ADDR("vfio_device_fops", &ksyms.vfio_device_fops);
	ksyms.done = 1;
	return 0;
}
