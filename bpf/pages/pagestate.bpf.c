// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * Reads the state of the struct pages of a PFN range from the live kernel.
 *
 * A BPF_PROG_TYPE_SYSCALL program, run on demand with BPF_PROG_TEST_RUN:
 * /proc/kpagecount does not cover ZONE_DEVICE memory, and nothing else
 * exports the reference counts of DAX pages. The program walks folios, not
 * pages: it reads a head page (and for a large folio its first tail page,
 * which holds the folio's size and pin count) and steps to the next folio.
 * It never reads the other tail pages: with a compound device-dax vmemmap
 * they may be deduplicated, and they carry nothing the kernel itself reads
 * to decide whether a folio is in use.
 *
 * struct pages are copied in bulk, many per bpf_probe_read_kernel() call,
 * into a buffer in the program's .bss; one helper call per page would cost
 * more than the copy. The walk keeps its state, buffer and runs in the slot
 * the caller names, one per concurrent call. Consecutive folios in the same state are merged into
 * one run, so an idle device yields a handful of runs whatever its size.
 *
 * A second program, pagefile_lookup, names the file a filesystem-DAX page
 * belongs to: a layout break holds the file's inode lock while it waits, so
 * the file's extents (FIEMAP) cannot be read then; the busy pages of the
 * namespace can, and each names its file through page->mapping->host.
 */
#include "../core/daxpin_tasks.h"
#include "../core/daxpin_ksyms.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pagescan_abi.h"
#include "pagefile_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EFAULT 14
#define E2BIG 7

/* 1024 struct pages of 64 bytes: large enough that the helper call costs
 * little next to the copy, small enough to stay in the CPU cache */
#define BUF_BYTES (64 * 1024)
/* a head page and its first tail page always fit: struct page is ~64 bytes */
#define PAGE_STRUCT_MAX (BUF_BYTES / 2)

/* Each slot is the state of one call: user space runs the program on
 * several CPUs at once over parts of a range, each part with a slot of its
 * own (pagescan_args.slot), so that the scan uses every CPU. */
struct pagescan_run runs[PAGESCAN_SLOTS][PAGESCAN_RUNS_MAX];

/* What the setup program found, once per load of the programs (see
 * daxpin_ksyms.h); the struct page of PFN 0 sits at *vmemmap_base (x86-64
 * with KASLR). */
struct pagestate_setup setup;

/* A word past BUF_BYTES in each: a load at any offset ld64() leaves is
 * inside the buffer. */
static __u8 buf[PAGESCAN_SLOTS][BUF_BYTES + sizeof(__u64)];

/* Walk state, kept in .bss because the bpf_loop callback cannot write the
 * context at variable offsets. */
struct walk {
	__u64 vmemmap;		/* value of vmemmap_base */
	__u64 pos, end;		/* next folio; end of the range */
	__u64 buf_pfn, buf_n;	/* buf holds struct pages [buf_pfn, +buf_n) */
	__u64 chunk;		/* struct pages to read at the next refill */
	__u64 error_pfn;
	__u32 psz;		/* sizeof(struct page) in the running kernel */
	__u32 nr_runs;
	__s32 error;
};

static struct walk walks[PAGESCAN_SLOTS];

/* A slot's state, buffer and run table; the mask is the bound the verifier
 * needs (pagestate_scan() refused a slot out of range). */
struct slot {
	struct walk *st;
	__u8 *buf;
	struct pagescan_run *runs;
};

static __always_inline struct slot slot_of(__u32 i)
{
	i &= PAGESCAN_SLOTS - 1;
	return (struct slot){ &walks[i], buf[i], runs[i] };
}

static __always_inline int fail(struct walk *st, int error)
{
	st->error = error;
	st->error_pfn = st->pos;
	return 1;
}

/* Fills the buffer with struct pages [pfn, pfn + n), n >= 1. */
static __always_inline int refill(struct slot *s, __u64 pfn, __u64 n)
{
	struct walk *st = s->st;
	__u64 bytes = n * st->psz;
	long ret;

	if (bytes > BUF_BYTES)
		bytes = BUF_BYTES;
	ret = bpf_probe_read_kernel(s->buf, bytes,
				    (void *)(st->vmemmap + pfn * st->psz));
	if (ret)
		return fail(st, ret);
	st->buf_pfn = pfn;
	st->buf_n = bytes / st->psz;
	return 0;
}

/* Loads from a slot's buffer. The walk never reads past what refill()
 * read; the mask only shows the verifier a bound, where a check would give
 * it a branch to follow at every load. The barrier keeps clang from
 * masking one register and loading through another. */
static __always_inline __u64 ld64(const __u8 *b, __u64 off)
{
	barrier_var(off);
	return *(const __u64 *)(b + (off & (BUF_BYTES - 1)));
}

static __always_inline __s32 ld32(const __u8 *b, __u64 off)
{
	barrier_var(off);
	return *(const __s32 *)(b + (off & (BUF_BYTES - 1)));
}

/* Appends a folio to the run table, merging it into the last run when it
 * continues that run in the same state. Returns 1 when the table is full. */
static __always_inline int emit(struct slot *s, __u64 pfn, __u32 pages,
				__s32 refcount, __s32 mapcount, __s32 pincount,
				__u32 tail)
{
	__u32 n = s->st->nr_runs;
	struct pagescan_run *r;

	if (n > 0 && n <= PAGESCAN_RUNS_MAX) {
		r = &s->runs[n - 1];
		if (r->folio_pages == pages && r->refcount == refcount &&
		    r->mapcount == mapcount && r->pincount == pincount &&
		    r->tail == tail &&
		    r->pfn + (__u64)r->nr_folios * pages == pfn) {
			r->nr_folios++;
			return 0;
		}
	}
	if (n >= PAGESCAN_RUNS_MAX)
		return 1;
	r = &s->runs[n];
	r->pfn = pfn;
	r->nr_folios = 1;
	r->folio_pages = pages;
	r->refcount = refcount;
	r->mapcount = mapcount;
	r->pincount = pincount;
	r->tail = tail;
	s->st->nr_runs = n + 1;
	return 0;
}

/* One folio; returns 1 to stop the walk. */
static __always_inline long scan_folio(struct slot *s)
{
	struct walk *st = s->st;
	__u64 pos = st->pos, off, info, flags;
	__s32 refcount, mapcount, pincount = 0;
	__u32 pages = 1;

	if (pos >= st->end)
		return 1;
	if (pos < st->buf_pfn || pos >= st->buf_pfn + st->buf_n) {
		__u64 n = st->end - pos;

		if (n > st->chunk)
			n = st->chunk;
		if (refill(s, pos, n))
			return 1;
	}
	off = (pos - st->buf_pfn) * st->psz;

	flags = ld64(s->buf, off);
	if (bpf_core_field_exists(struct page, compound_info))
		info = ld64(s->buf, off + bpf_core_field_offset(struct page, compound_info));
	else
		info = ld64(s->buf, off + bpf_core_field_offset(struct page, compound_head));
	refcount = ld32(s->buf, off + bpf_core_field_offset(struct page, _refcount));
	mapcount = ld32(s->buf, off + bpf_core_field_offset(struct page, _mapcount)) + 1;

	if (info & 1) {
		/* a tail page where a folio should start: the range began
		 * inside a folio. Its counts live in a head we do not scan. */
		if (emit(s, pos, 1, 0, 0, 0, 1))
			return 1;
		st->pos = pos + 1;
		return 0;
	}

	if (flags & (1ULL << bpf_core_enum_value(enum pageflags, PG_head))) {
		/* page[1] may lie past the buffer (or past the range, when a
		 * folio straddles its end): read head and page[1] afresh. */
		if (pos + 1 >= st->buf_pfn + st->buf_n) {
			if (refill(s, pos, 2))
				return 1;
			off = 0;
		}
		if (bpf_core_field_exists(struct folio, _nr_pages))
			pages = ld32(s->buf, off + bpf_core_field_offset(struct folio, _nr_pages));
		else
			pages = ld32(s->buf, off + bpf_core_field_offset(struct folio, _folio_nr_pages));
		pincount = ld32(s->buf, off + bpf_core_field_offset(struct folio, _pincount));
		if (bpf_core_field_exists(struct folio, _large_mapcount))
			mapcount = ld32(s->buf, off + bpf_core_field_offset(struct folio, _large_mapcount)) + 1;
		else
			mapcount = ld32(s->buf, off + bpf_core_field_offset(struct folio, _total_mapcount)) + 1;
		if (!pages)	/* a folio being split or torn down under us */
			pages = 1;
	}
	if (emit(s, pos, pages, refcount, mapcount, pincount, 0))
		return 1;
	st->pos = pos + pages;
	/* devices are uniform: after a large folio expect another one and
	 * read just its head and page[1]; after a small one read ahead */
	st->chunk = pages > 1 ? 2 : BUF_BYTES / st->psz;
	return 0;
}

/* Pages the fast path below looks at per bpf_loop() iteration of the walk,
 * in bpf_loop() iterations of its own of SMALL_PER_STEP pages: the verifier
 * follows a bounded loop once per iteration, a bpf_loop() callback once. */
#define SMALL_PER_CALL 64
#define SMALL_PER_STEP 8

/* The fast path's state, on extend_small()'s stack for its callback. */
struct small_walk {
	__u64 off;		/* the next page's offset in the buffer */
	__u64 left;		/* pages before the buffer or the range ends */
	__u64 counts;		/* _mapcount and _refcount of the run, one load */
	__u64 head;		/* the PG_head bit */
	__u32 psz, info_off, map_off, slot;
	__u32 n;		/* pages that continue the run */
};

/* Whether the struct page at off of a slot's buffer continues the run. */
static __always_inline int continues_small(const __u8 *b, __u64 off,
					   const struct small_walk *w)
{
	return !(ld64(b, off) & w->head) && !(ld64(b, off + w->info_off) & 1) &&
	       ld64(b, off + w->map_off) == w->counts;
}

/* bpf_loop() callback of the fast path: SMALL_PER_STEP pages; 1 to stop. */
static long extend_small_step(__u32 index, void *arg)
{
	struct small_walk *w = arg;
	const __u8 *b = buf[w->slot & (PAGESCAN_SLOTS - 1)];
	__u64 off = w->off;
	__u32 n = w->n;
	long stop = 0;

	for (int j = 0; j < SMALL_PER_STEP; j++, n++, off += w->psz)
		if (n >= w->left || !continues_small(b, off, w)) {
			stop = 1;
			break;
		}
	w->off = off;
	w->n = n;
	return stop;
}

/*
 * The fast path of a device of small folios (4K device-dax, fsdax): the
 * pages after a small folio that continue its run in the same state extend
 * the run in place. Three loads from the buffer per page (_mapcount and
 * _refcount are adjacent: one load): the general path's bookkeeping
 * (refill and emit) cost several times the copy of the struct page under
 * QEMU.
 */
static __always_inline void extend_small(struct slot *s, __u32 slot)
{
	struct walk *st = s->st;
	__u32 n = st->nr_runs;
	__u64 pos = st->pos, lim = st->buf_pfn + st->buf_n;
	struct small_walk w = {
		.head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head),
		.psz = st->psz,
		.info_off = bpf_core_field_exists(struct page, compound_info) ?
			    bpf_core_field_offset(struct page, compound_info) :
			    bpf_core_field_offset(struct page, compound_head),
		.map_off = bpf_core_field_offset(struct page, _mapcount),
		.slot = slot,
	};
	struct pagescan_run *r;

	/* adjacent on every kernel so far; elsewhere only the general path */
	if (bpf_core_field_offset(struct page, _refcount) != w.map_off + 4 ||
	    n == 0 || n > PAGESCAN_RUNS_MAX)
		return;
	/* clang knows n from emit() and drops the bound the verifier
	 * needs: the mask gives it one */
	n--;
	barrier_var(n);
	r = &s->runs[n & (PAGESCAN_RUNS_MAX - 1)];
	if (r->folio_pages != 1 || r->tail || r->pfn + r->nr_folios != pos ||
	    pos < st->buf_pfn)
		return;
	if (lim > st->end)
		lim = st->end;
	if (pos >= lim)
		return;
	w.left = lim - pos;
	/* little-endian: _mapcount (stored one below the count) low */
	w.counts = (__u64)(__u32)r->refcount << 32 | (__u32)(r->mapcount - 1);
	w.off = (pos - st->buf_pfn) * w.psz;
	bpf_loop(SMALL_PER_CALL / SMALL_PER_STEP, extend_small_step, &w, 0);
	r->nr_folios += w.n;
	st->pos = pos + w.n;
}

__noinline int scan_general(__u32 slot)
{
	struct slot s = slot_of(slot);

	return scan_folio(&s);
}

/* The fast path as a global function: the verifier checks it once, on
 * its own, instead of once for every path of scan_folio() that reaches it
 * (its loop made most of the page scan's verification). */
__noinline int scan_small(__u32 slot)
{
	struct slot s = slot_of(slot);

	extend_small(&s, slot);
	return 0;
}

/* bpf_loop() callback: one folio by the general path, then the small
 * folios after it by the fast one. @slot: the caller's slot number, on its
 * stack. */
static long scan_folios(__u32 index, void *slot)
{
	__u32 i = *(__u32 *)slot;
	struct slot s = slot_of(i);

	if (scan_general(i))
		return 1;
	scan_small(i);
	return s.st->error ? 1 : 0;
}

SEC("syscall")
int pagestate_scan(struct pagescan_args *args)
{
	__u64 nr = args->nr_pages;
	__u32 i = args->slot;
	struct slot s = slot_of(i);
	struct walk *st = s.st;
	long ret;

	if (i >= PAGESCAN_SLOTS) {
		args->error = -E2BIG;
		return 0;
	}
	st->pos = args->pfn;
	st->end = args->pfn + nr;
	st->buf_pfn = st->buf_n = 0;
	st->nr_runs = 0;
	st->error = 0;
	st->error_pfn = 0;
	st->psz = bpf_core_type_size(struct page);
	st->chunk = BUF_BYTES / st->psz;
	if (st->psz == 0 || st->psz > PAGE_STRUCT_MAX) {
		fail(st, -E2BIG);
		goto out;
	}
	ret = bpf_probe_read_kernel(&st->vmemmap, sizeof(st->vmemmap),
				    (const void *)setup.vmemmap_base);
	if (ret) {
		fail(st, ret);
		goto out;
	}
	/* bpf_loop() refuses more than 2^23 iterations; user space splits
	 * larger ranges */
	if (nr > 1 << 23)
		nr = 1 << 23;
	bpf_loop(nr, scan_folios, &i, 0);
out:
	args->next_pfn = st->pos;
	args->error = st->error;
	args->error_pfn = st->error_pfn;
	args->nr_runs = st->nr_runs;
	return 0;
}

struct address_space {
	struct inode *host;
} __attribute__((preserve_access_index));

/* low bits of page->mapping: anonymous, movable, or a DAX page shared by
 * reflinked files (no one file) */
#define MAPPING_FLAGS 3UL

/* the file of a page: in and out, through the .bss */
struct pagefile_lookup lookup;

SEC("syscall")
int pagefile_lookup(void *ctx)
{
	__u64 vmemmap = 0, psz = bpf_core_type_size(struct page);
	long ret;

	ret = bpf_probe_read_kernel(&vmemmap, sizeof(vmemmap), (const void *)setup.vmemmap_base);
	lookup.error = ret;
	if (ret || !psz)
		return 0;
	for (__u32 i = 0; i < PAGEFILE_MAX; i++) {
		struct page *page;
		struct address_space *mapping;
		struct inode *host;

		if (i >= lookup.nr)
			break;
		lookup.ino[i] = 0;
		page = (void *)(vmemmap + lookup.pfn[i] * psz);
		mapping = BPF_CORE_READ(page, mapping);
		if ((unsigned long)mapping & MAPPING_FLAGS || (unsigned long)mapping < 4096)
			continue;
		host = BPF_CORE_READ(mapping, host);
		if (!host)
			continue;
		lookup.ino[i] = BPF_CORE_READ(host, i_ino);
		lookup.dev[i] = BPF_CORE_READ(host, i_sb, s_dev);
		if (bpf_core_field_exists(page->__folio_index))
			lookup.index[i] = BPF_CORE_READ(page, __folio_index);
		else
			lookup.index[i] = BPF_CORE_READ(page, index);
	}
	return 0;
}

/*
 * Run once by the loader: where vmemmap_base is, and whether the kernel
 * counts DAX page references the 6.15 way ("fs/dax: Fix ZONE_DEVICE page
 * reference counts" added these functions; three, because each depends on
 * another config option (FS_DAX, TRANSPARENT_HUGEPAGE, none) and a backport
 * may carry some only). What those counts mean is for user space.
 */
SEC("syscall")
int pagestate_setup(void *ctx)
{
	setup.error = KSYM_ADDR("vmemmap_base", &setup.vmemmap_base);
	setup.rework = KSYM_EXISTS("dax_break_layout_final") ||	/* fsdax pages idle at 0 */
		       KSYM_EXISTS("vmf_insert_folio_pmd") ||		/* huge mappings take a folio ref */
		       KSYM_EXISTS("vmf_insert_page_mkwrite");		/* PTE mappings take a page ref */
	setup.done = 1;
	return 0;
}
