// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The page-state classification (lib/pages/pageclass.c) on synthetic folio runs,
 * as the BPF scan reports them, under both kernel semantics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pages/pageclass.h"

#define IDLE_REF DAXPIN_PAGES_IDLE_REF
#define MAPPING_REFS DAXPIN_PAGES_MAPPING_REFS
#define FSDAX DAXPIN_PAGE_FSDAX
#define DEVDAX DAXPIN_PAGE_DEVDAX

/* one folio, or nr identical ones */
#define FOLIO(p, pages, ref, map, pin) \
	{ .pfn = (p), .nr_folios = 1, .folio_pages = (pages), \
	  .refcount = (ref), .mapcount = (map), .pincount = (pin) }
#define FOLIOS(p, nr, pages, ref, map, pin) \
	{ .pfn = (p), .nr_folios = (nr), .folio_pages = (pages), \
	  .refcount = (ref), .mapcount = (map), .pincount = (pin) }

static struct daxpin_page_counts classify(const struct pagescan_run *runs, size_t nr,
					   enum daxpin_page_semantics sem,
					   enum daxpin_page_kind kind)
{
	struct daxpin_page_counts c;

	daxpin_pageclass_init(&c, sem);
	for (size_t i = 0; i < nr; i++)
		daxpin_pageclass_add(&c, &runs[i], sem, kind);
	return c;
}

#define CLASSIFY(runs, sem, kind) classify(runs, sizeof(runs) / sizeof(runs[0]), sem, kind)

static void assert_idle(const struct daxpin_page_counts *c)
{
	assert_int_equal(c->refs, 0);
	assert_int_equal(c->referenced_pages, 0);
	assert_int_equal(c->pinned_pages, 0);
	assert_int_equal(c->busy_folios, 0);
	assert_int_equal(c->nr_busy, 0);
}

/* idle baselines: devdax 1 on both kernels, fsdax 1 before the rework, 0 after */
static void idle_devices(void **state)
{
	const struct pagescan_run dev4k[] = { FOLIOS(0x100000, 1000, 1, 1, 0, 0) };
	const struct pagescan_run dev2m[] = { FOLIOS(0x100000, 4, 512, 1, 0, 0) };
	const struct pagescan_run fs_old[] = { FOLIOS(0x200000, 300, 1, 1, 0, 0) };
	const struct pagescan_run fs_new[] = { FOLIOS(0x200000, 300, 1, 0, 0, 0) };
	struct daxpin_page_counts c;

	for (int sem = IDLE_REF; sem <= MAPPING_REFS; sem++) {
		c = CLASSIFY(dev4k, sem, DEVDAX);
		assert_idle(&c);
		assert_int_equal(c.pages, 1000);
		assert_int_equal(c.folios, 1000);
		assert_int_equal(c.max_refcount, 1);
		c = CLASSIFY(dev2m, sem, DEVDAX);
		assert_idle(&c);
		assert_int_equal(c.pages, 2048);
		assert_int_equal(c.folios, 4);
	}
	c = CLASSIFY(fs_old, IDLE_REF, FSDAX);
	assert_idle(&c);
	assert_false(c.mapped_known);
	c = CLASSIFY(fs_new, MAPPING_REFS, FSDAX);
	assert_idle(&c);
	assert_true(c.mapped_known);
	assert_int_equal(c.mapped_pages, 0);
}

/* one page spliced into a pipe, still mapped by the splicing process */
static void spliced_small_pages(void **state)
{
	/* 6.1: mappings hold nothing: 1 idle + 1 pipe */
	const struct pagescan_run old[] = {
		FOLIO(10, 1, 1, 0, 0), FOLIOS(11, 3, 1, 2, 0, 0), FOLIO(14, 1, 1, 0, 0),
	};
	/* 6.15+ devdax: 1 idle + 1 mapping + 1 pipe, mapcount 1 */
	const struct pagescan_run dev_new[] = {
		FOLIO(10, 1, 1, 0, 0), FOLIOS(11, 3, 1, 3, 1, 0), FOLIO(14, 1, 1, 0, 0),
	};
	/* 6.15+ fsdax: 0 idle + 1 mapping + 1 pipe */
	const struct pagescan_run fs_new[] = {
		FOLIO(10, 1, 0, 0, 0), FOLIOS(11, 3, 1, 2, 1, 0), FOLIO(14, 1, 0, 0, 0),
	};
	struct daxpin_page_counts c;

	c = CLASSIFY(old, IDLE_REF, DEVDAX);
	assert_int_equal(c.refs, 3);
	assert_int_equal(c.referenced_pages, 3);
	assert_int_equal(c.pages, 5);
	c = CLASSIFY(old, IDLE_REF, FSDAX);
	assert_int_equal(c.refs, 3);
	assert_int_equal(c.mapped_pages, 0);

	c = CLASSIFY(dev_new, MAPPING_REFS, DEVDAX);
	assert_int_equal(c.refs, 3);
	assert_int_equal(c.referenced_pages, 3);
	assert_int_equal(c.mapped_pages, 3);
	assert_int_equal(c.max_refcount, 3);

	c = CLASSIFY(fs_new, MAPPING_REFS, FSDAX);
	assert_int_equal(c.refs, 3);
	assert_int_equal(c.referenced_pages, 3);
	assert_int_equal(c.mapped_pages, 3);
	assert_int_equal(c.pinned_pages, 0);

	/* the busy list expands the run into its folios */
	assert_int_equal(c.busy_folios, 3);
	assert_int_equal(c.nr_busy, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(c.busy[i].pfn, 11 + i);
		assert_int_equal(c.busy[i].nr_pages, 1);
		assert_int_equal(c.busy[i].refcount, 2);
		assert_int_equal(c.busy[i].mapcount, 1);
		assert_int_equal(c.busy[i].refs, 1);
		assert_false(c.busy[i].pinned);
	}
}

/* mapped, not referenced: under the new semantics the mapping's own
 * reference is not a holder */
static void mapped_not_referenced(void **state)
{
	const struct pagescan_run dev[] = { FOLIOS(0, 9, 1, 2, 1, 0), FOLIOS(9, 7, 1, 1, 0, 0) };
	const struct pagescan_run dev2m[] = { FOLIOS(0, 2, 512, 2, 1, 0), FOLIO(1024, 512, 1, 0, 0) };
	const struct pagescan_run fs[] = { FOLIOS(0, 9, 1, 1, 1, 0) };
	/* a file page mapped by two processes */
	const struct pagescan_run fs_shared[] = { FOLIO(0, 1, 2, 2, 0) };
	struct daxpin_page_counts c;

	c = CLASSIFY(dev, MAPPING_REFS, DEVDAX);
	assert_idle(&c);
	assert_int_equal(c.mapped_pages, 9);
	c = CLASSIFY(dev2m, MAPPING_REFS, DEVDAX);
	assert_idle(&c);
	assert_int_equal(c.mapped_pages, 1024);
	c = CLASSIFY(fs, MAPPING_REFS, FSDAX);
	assert_idle(&c);
	assert_int_equal(c.mapped_pages, 9);
	c = CLASSIFY(fs_shared, MAPPING_REFS, FSDAX);
	assert_idle(&c);
	assert_int_equal(c.mapped_pages, 1);
}

/* a reference to any page of a compound folio holds all of it */
static void compound_folios(void **state)
{
	/* 6.1: 3 folios with one pipe reference each, then one with 5 */
	const struct pagescan_run old[] = {
		FOLIOS(0x40000, 3, 512, 2, 0, 0), FOLIO(0x40600, 512, 6, 0, 0),
		FOLIOS(0x40800, 4, 512, 1, 0, 0),
	};
	/* 7.x: the same, each mapped once by a PMD */
	const struct pagescan_run new[] = {
		FOLIOS(0x40000, 3, 512, 3, 1, 0), FOLIO(0x40600, 512, 7, 1, 0),
		FOLIOS(0x40800, 4, 512, 1, 0, 0),
	};
	struct daxpin_page_counts c;

	c = CLASSIFY(old, IDLE_REF, DEVDAX);
	assert_int_equal(c.refs, 8);
	assert_int_equal(c.referenced_pages, 4 * 512);
	assert_int_equal(c.busy_folios, 4);
	assert_int_equal(c.folios, 8);
	assert_int_equal(c.pages, 8 * 512);
	assert_int_equal(c.busy[3].pfn, 0x40600);
	assert_int_equal(c.busy[3].refs, 5);
	c = CLASSIFY(new, MAPPING_REFS, DEVDAX);
	assert_int_equal(c.refs, 8);
	assert_int_equal(c.referenced_pages, 4 * 512);
	assert_int_equal(c.mapped_pages, 4 * 512);
	assert_int_equal(c.max_refcount, 7);
}

/* folio_maybe_dma_pinned(): refcount bias for small, _pincount for large */
static void pins(void **state)
{
	const struct pagescan_run small[] = {
		FOLIO(0, 1, 1 + 1024, 0, 0),		/* one pin */
		FOLIO(1, 1, 1 + 2 * 1024 + 3, 0, 0),	/* two pins, three refs */
		FOLIO(2, 1, 1023, 0, 0),		/* many refs, below the bias */
	};
	const struct pagescan_run large[] = {
		FOLIO(0, 512, 1 + 2, 0, 2),		/* two pins: a ref each */
		FOLIO(512, 512, 1 + 1024, 0, 0),	/* refs only: not pinned */
	};
	struct daxpin_page_counts c;

	c = CLASSIFY(small, IDLE_REF, DEVDAX);
	assert_int_equal(c.pinned_pages, 2);
	assert_int_equal(c.referenced_pages, 3);
	assert_int_equal(c.refs, 1024 + 2 * 1024 + 3 + 1022);
	assert_true(c.busy[0].pinned);
	assert_true(c.busy[1].pinned);
	assert_false(c.busy[2].pinned);

	c = CLASSIFY(large, IDLE_REF, DEVDAX);
	assert_int_equal(c.pinned_pages, 512);
	assert_int_equal(c.refs, 2 + 1024);
	assert_int_equal(c.busy[0].pincount, 2);
	assert_true(c.busy[0].pinned);
	assert_false(c.busy[1].pinned);
}

/* at most DAXPIN_PAGES_BUSY_MAX folios are listed, all are counted */
static void busy_list_is_bounded(void **state)
{
	const struct pagescan_run runs[] = {
		FOLIOS(100, 10, 1, 2, 0, 0), FOLIO(110, 1, 1, 0, 0), FOLIOS(111, 10, 1, 3, 0, 0),
	};
	struct daxpin_page_counts c = CLASSIFY(runs, IDLE_REF, DEVDAX);

	assert_int_equal(c.busy_folios, 20);
	assert_int_equal(c.refs, 10 + 20);
	assert_int_equal(c.nr_busy, DAXPIN_PAGES_BUSY_MAX);
	assert_int_equal(c.busy[9].pfn, 109);
	assert_int_equal(c.busy[10].pfn, 111);
	assert_int_equal(c.busy[DAXPIN_PAGES_BUSY_MAX - 1].pfn, 111 + DAXPIN_PAGES_BUSY_MAX - 11);
}

/* odd raw values: never a holder, never a negative count */
static void anomalies(void **state)
{
	const struct pagescan_run runs[] = {
		{ .pfn = 0, .nr_folios = 1, .folio_pages = 1, .tail = 1 },	/* range began mid-folio */
		FOLIO(1, 1, 0, 0, 0),		/* below the devdax baseline */
		FOLIO(2, 1, 1, -128, 0),	/* a page type in _mapcount */
		FOLIO(3, 1, 1, 5, 0),		/* mapcount above refcount: torn read */
	};
	struct daxpin_page_counts c = CLASSIFY(runs, MAPPING_REFS, DEVDAX);

	assert_idle(&c);
	assert_int_equal(c.pages, 4);
	assert_int_equal(c.tail_pages, 1);
	assert_int_equal(c.folios, 3);
	assert_int_equal(c.mapped_pages, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idle_devices),
		cmocka_unit_test(spliced_small_pages),
		cmocka_unit_test(mapped_not_referenced),
		cmocka_unit_test(compound_folios),
		cmocka_unit_test(pins),
		cmocka_unit_test(busy_list_is_bounded),
		cmocka_unit_test(anomalies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
