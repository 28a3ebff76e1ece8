// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What keeps a memory block from going offline, page by page. The kernel's
 * rules (mm/memory_hotplug.c offline_pages(), mm/page_isolation.c
 * has_unmovable_pages(), the same in 6.1 and 7.x): free pages go, PG_reserved
 * pages never do, and in ZONE_NORMAL a page in use that is neither on an
 * LRU list nor movable (slab, page tables, other kernel allocations) fails
 * the offline at once; pages on an LRU list are migrated, and migration
 * fails, again and again until the writer gets a signal, while a page has
 * references beyond the ones its mappings and the page cache hold.
 *
 * Page kinds come from /proc/kpageflags, which the kernel keeps for exactly
 * this use; reference and map counts from the page-state BPF scan (the
 * kernel shows refcounts nowhere else). Both are snapshots: a page freed or
 * taken between the two reads may be counted as either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kernel-page-flags.h>
#include <daxpin/memory.h>
#include <daxpin/pagestate.h>

#include "core/private.h"
#include "pages/pageclass.h"
#include "pages/pages_internal.h"

/* kpageflags bits the uapi header leaves out (the kernel's own kernel-page-flags.h) */
#define KPF_RESERVED 32
#define KPF_PRIVATE 35

#define PAGE_SHIFT_4K 12

struct block_walk {
	int kpageflags;		/* /proc/kpageflags */
	const uint64_t *flags;	/* kpageflags of the block, from base */
	uint64_t base, nr;
	struct daxpin_memblock_pages *pages;
};

static bool has(uint64_t flags, int bit)
{
	return flags & (1ULL << bit);
}

/* references a user folio holds for its mappings and its caches */
static int64_t expected_refs(uint64_t flags, int32_t mapcount, uint32_t nr)
{
	int64_t refs = mapcount;

	if (!has(flags, KPF_ANON))
		refs += nr;	/* the page cache: one per page */
	if (has(flags, KPF_SWAPCACHE))
		refs += nr;
	if (has(flags, KPF_PRIVATE))
		refs += 1;	/* buffer heads, or a filesystem's private data */
	if (!has(flags, KPF_LRU))
		refs += 1;	/* a CPU's LRU batch holds it until it joins a list */
	return refs;
}

/* The counter of p a folio of run with these flags goes to; NULL: in use, blocking nothing. */
static uint64_t *kind_of(struct daxpin_memblock_pages *p, uint64_t flags,
			 const struct pagescan_run *run)
{
	uint32_t nr = run->folio_pages;
	uint64_t *kind;

	if (run->refcount == 0)
		return &p->free;
	if (has(flags, KPF_RESERVED))
		kind = &p->reserved;
	else if (has(flags, KPF_SLAB))
		kind = &p->slab;
	else if (has(flags, KPF_PGTABLE))
		kind = &p->page_tables;
	else if (has(flags, KPF_OFFLINE))
		return NULL;	/* a balloon's page: its driver lets go when asked (MEM_GOING_OFFLINE) */
	/* a user page: on an LRU list, or still in a CPU's LRU batch (offline
	 * drains those first: lru_add_drain_all()), where only the page cache's
	 * and anonymous memory's own flags tell it from a kernel allocation */
	else if (has(flags, KPF_LRU) || has(flags, KPF_HUGE) || has(flags, KPF_THP) ||
		 has(flags, KPF_ANON) || has(flags, KPF_MMAP) || has(flags, KPF_UPTODATE) ||
		 has(flags, KPF_DIRTY) || has(flags, KPF_WRITEBACK) || has(flags, KPF_SWAPBACKED)) {
		bool pinned = nr > 1 ? run->pincount > 0 : run->refcount >= PAGECLASS_PIN_BIAS;

		if (pinned)
			kind = &p->pinned;
		else if (run->refcount > expected_refs(flags, run->mapcount, nr))
			kind = &p->referenced;
		else
			return NULL;
	} else
		kind = &p->kernel;
	return kind;
}

static void classify(const struct block_walk *w, uint64_t pfn, const struct pagescan_run *run)
{
	uint64_t flags = w->flags[pfn - w->base];
	uint64_t *kind = kind_of(w->pages, flags, run);

	/*
	 * The flags were read before the reference counts: a page taken in
	 * between (a process's new anonymous page, uptodate before it is
	 * mapped) had none yet, and would count as the kernel's. Its flags of
	 * now say what it is.
	 */
	if (kind == &w->pages->kernel &&
	    pread(w->kpageflags, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) ==
		    sizeof(flags))
		kind = kind_of(w->pages, flags, run);
	if (!kind)
		return;
	*kind += run->folio_pages;
	if (kind != &w->pages->free && !w->pages->first_blocking_pfn)
		w->pages->first_blocking_pfn = pfn;
}

static int walk_run(const struct pagescan_run *run, void *arg)
{
	struct block_walk *w = arg;

	for (uint32_t i = 0; i < run->nr_folios; i++) {
		uint64_t pfn = run->pfn + (uint64_t)i * run->folio_pages;

		/* the tail of a folio whose head is in the block before */
		if (run->tail || pfn < w->base || pfn - w->base >= w->nr)
			continue;
		classify(w, pfn, run);
	}
	return 0;
}

static int scan_block(int kpageflags, struct daxpin_pagestate *ps, struct daxpin_memblock *b)
{
	struct block_walk w = { .kpageflags = kpageflags, .base = b->start >> PAGE_SHIFT_4K,
				.nr = b->size >> PAGE_SHIFT_4K };
	size_t bytes = w.nr * sizeof(uint64_t);
	uint64_t *flags = malloc(bytes);
	ssize_t n;
	int rc;

	if (!flags)
		return -ENOMEM;
	n = pread(kpageflags, flags, bytes, (off_t)(w.base * sizeof(uint64_t)));
	if (n != (ssize_t)bytes) {
		free(flags);
		return n < 0 ? -errno : -EIO;
	}
	memset(&b->pages, 0, sizeof(b->pages));
	w.flags = flags;
	w.pages = &b->pages;
	rc = pagestate_walk(ps, w.base, w.base + w.nr, walk_run, &w);
	free(flags);
	if (rc)
		return rc;
	b->pages.in_use = w.nr - b->pages.free;
	b->pages_known = true;
	return 0;
}

DAXPIN_EXPORT int daxpin_memory_scan_pages(struct daxpin_memory *m, struct daxpin_pagestate *ps)
{
	int fd, rc = 0;

	if (daxpin_pagestate_reason(ps)) {
		m->pages_reason = daxpin_pagestate_reason(ps);
		return -EPERM;
	}
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		m->pages_reason = rc == -EACCES || rc == -EPERM ?
			"reading /proc/kpageflags needs root (CAP_SYS_ADMIN)" :
			"the kernel has no /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR)";
		return rc;
	}
	/* an offline block's struct pages are poisoned: only online ones are read */
	for (size_t i = 0; !rc && i < m->nr_blocks; i++)
		if (m->blocks[i].state == DAXPIN_MEMBLOCK_ONLINE)
			rc = scan_block(fd, ps, &m->blocks[i]);
	close(fd);
	m->pages_reason = rc ? "reading the pages of its memory blocks failed" : NULL;
	return rc;
}

DAXPIN_EXPORT uint64_t daxpin_memblock_blocking(const struct daxpin_memblock *b)
{
	const struct daxpin_memblock_pages *p = &b->pages;

	if (!b->pages_known)
		return 0;
	return p->referenced + p->pinned + p->slab + p->page_tables + p->reserved + p->kernel;
}

DAXPIN_EXPORT uint64_t daxpin_memory_blocking(const struct daxpin_memory *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->nr_blocks; i++)
		n += daxpin_memblock_blocking(&m->blocks[i]);
	return n;
}
