// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a folio's raw counts mean, per kernel semantics. The rules follow the
 * kernel sources (see enum daxpin_page_semantics):
 *
 * - Idle baseline (__init_zone_device_page()): device-dax pages idle at
 *   refcount 1 on every kernel; fsdax pages at 1 before the 6.15 rework and
 *   at 0 after it.
 * - Mappings: before the rework a DAX PTE/PMD takes no page reference and no
 *   mapcount; after it every mapping takes one of each, so the mapcount is
 *   subtracted to leave only references held on someone's behalf.
 * - Pins (folio_maybe_dma_pinned()): a small folio counts a pin as
 *   GUP_PIN_COUNTING_BIAS references, a large folio in _pincount.
 */
#include <string.h>

#include "pageclass.h"

void daxpin_pageclass_init(struct daxpin_page_counts *counts,
			   enum daxpin_page_semantics sem)
{
	memset(counts, 0, sizeof(*counts));
	counts->mapped_known = sem == DAXPIN_PAGES_MAPPING_REFS;
}

/* folio_mapcount() as the classification uses it: 0 where the kernel does
 * not count DAX mappings; a negative value (a page type sharing the field,
 * or a torn read) counts as unmapped */
static int64_t folio_mapcount(const struct pagescan_run *run,
			      enum daxpin_page_semantics sem)
{
	if (sem != DAXPIN_PAGES_MAPPING_REFS || run->mapcount < 0)
		return 0;
	return run->mapcount;
}

static uint64_t folio_refs(const struct pagescan_run *run,
			   enum daxpin_page_semantics sem,
			   enum daxpin_page_kind kind)
{
	int64_t idle = sem == DAXPIN_PAGES_MAPPING_REFS &&
		       kind == DAXPIN_PAGE_FSDAX ? 0 : 1;
	int64_t refs = (int64_t)run->refcount - idle - folio_mapcount(run, sem);

	/* below the baseline: a free or half-initialised page, not a holder */
	return refs > 0 ? (uint64_t)refs : 0;
}

static bool folio_pinned(const struct pagescan_run *run)
{
	if (run->folio_pages > 1)
		return run->pincount > 0;
	return run->refcount >= PAGECLASS_PIN_BIAS;
}

void daxpin_pageclass_add(struct daxpin_page_counts *counts,
			  const struct pagescan_run *run,
			  enum daxpin_page_semantics sem,
			  enum daxpin_page_kind kind)
{
	uint64_t pages = (uint64_t)run->nr_folios * run->folio_pages;
	uint64_t refs = folio_refs(run, sem, kind);
	bool pinned = folio_pinned(run);

	counts->pages += pages;
	if (run->tail) {
		counts->tail_pages += pages;
		return;
	}
	counts->folios += run->nr_folios;
	if (run->refcount > counts->max_refcount)
		counts->max_refcount = run->refcount;
	if (folio_mapcount(run, sem) > 0)
		counts->mapped_pages += pages;
	if (!refs && !pinned)
		return;

	counts->refs += refs * run->nr_folios;
	if (refs)
		counts->referenced_pages += pages;
	if (pinned)
		counts->pinned_pages += pages;
	counts->busy_folios += run->nr_folios;
	for (uint32_t i = 0; i < run->nr_folios &&
	     counts->nr_busy < DAXPIN_PAGES_BUSY_MAX; i++) {
		struct daxpin_page_busy *b = &counts->busy[counts->nr_busy++];

		b->pfn = run->pfn + (uint64_t)i * run->folio_pages;
		b->nr_pages = run->folio_pages;
		b->refcount = run->refcount;
		b->mapcount = (int32_t)folio_mapcount(run, sem);
		b->pincount = run->pincount;
		b->refs = refs;
		b->pinned = pinned;
	}
}
