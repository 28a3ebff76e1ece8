/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PAGESTATE_H
#define DAXPIN_PAGESTATE_H

/* Fronts lib/pages/. */

/*
 * Page state: how many pages of a DAX device are still referenced,
 * DMA-pinned or mapped, read from the running kernel's struct pages.
 *
 * Nothing in /proc or /sys reports this for ZONE_DEVICE memory
 * (/proc/kpagecount stops short of it), so libdaxpin loads a small BPF
 * program that reads the struct pages of a PFN range and classifies each
 * folio the way the kernel does. That needs CAP_BPF and CAP_PERFMON (or
 * CAP_SYS_ADMIN), kernel BTF, and a kernel not locked down against reading
 * its memory; without them every count is unknown, never zero.
 *
 * The counts are a snapshot taken folio by folio without stopping the
 * kernel: a folio gained or released during the scan may be seen in either
 * state.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <daxpin/topology.h>

struct daxpin_ctx;
struct daxpin_pagestate;

/**
 * enum daxpin_page_kind - what the pages of a range are used for
 * @DAXPIN_PAGE_FSDAX: file data of a filesystem mounted with DAX
 *	(namespace mode fsdax; MEMORY_DEVICE_FS_DAX in the kernel)
 * @DAXPIN_PAGE_DEVDAX: a device-dax character device
 *	(MEMORY_DEVICE_GENERIC)
 *
 * @DAXPIN_PAGE_SYSRAM: system RAM from a dax device (kmem): the page
 *	allocator's pages, whose idle count depends on what each is used
 *	for (lib/memory/ reads that); owners are found by page frame, their
 *	references are not counted against a baseline
 *
 * The kind decides which reference count an idle page has.
 */
enum daxpin_page_kind {
	DAXPIN_PAGE_FSDAX,
	DAXPIN_PAGE_DEVDAX,
	DAXPIN_PAGE_SYSRAM,
};

/**
 * enum daxpin_page_semantics - how the running kernel counts DAX page refs
 * @DAXPIN_PAGES_IDLE_REF: before the ZONE_DEVICE refcount rework of Linux
 *	6.15: an idle fsdax or device-dax page holds one reference; user
 *	mappings hold no reference and no mapcount, so which pages are
 *	mapped is not known from the pages.
 * @DAXPIN_PAGES_MAPPING_REFS: since the rework: an idle fsdax page holds
 *	no reference, an idle device-dax page one; every user mapping holds
 *	a reference and a mapcount.
 *
 * Detected from the kernel's BTF (functions that only the rework added),
 * not from its version number, so backports are recognised.
 */
enum daxpin_page_semantics {
	DAXPIN_PAGES_IDLE_REF,
	DAXPIN_PAGES_MAPPING_REFS,
};

/* The number of busy folios daxpin_page_counts::busy can list. */
#define DAXPIN_PAGES_BUSY_MAX 16

/**
 * struct daxpin_page_busy - one busy folio, for diagnostics
 * @pfn: the folio's first page frame number
 * @nr_pages: base pages in the folio
 * @refcount: the kernel's _refcount of the folio (head page)
 * @mapcount: the kernel's folio_mapcount(): user mappings of the folio
 *	(always 0 with %DAXPIN_PAGES_IDLE_REF, where DAX mappings are not
 *	counted)
 * @pincount: FOLL_PIN pins of a large folio (_pincount); 0 for a small
 *	folio, whose pins show only in @refcount
 * @refs: references beyond idle and mappings, as in daxpin_page_counts
 * @pinned: whether folio_maybe_dma_pinned() holds
 */
struct daxpin_page_busy {
	uint64_t pfn;
	uint32_t nr_pages;
	int32_t refcount;
	int32_t mapcount;
	int32_t pincount;
	uint64_t refs;
	bool pinned;
};

/**
 * struct daxpin_page_counts - page state of the scanned ranges
 * @pages: base pages scanned (4 KiB each on x86-64)
 * @folios: folios they form: one per page on a 4 KiB device-dax or (on
 *	kernels before 6.15) fsdax, one per 2 MiB or 1 GiB on an aligned
 *	device-dax
 * @refs: page references beyond the idle baseline and beyond the user
 *	mappings, summed over folios: references held by the kernel on
 *	someone's behalf (a pipe after vmsplice(), an in-flight I/O, a get_user_pages()
 *	caller, a DMA pin). K pages spliced into a pipe give K. A FOLL_PIN pin
 *	of a small folio adds GUP_PIN_COUNTING_BIAS (1024) references, of a
 *	large folio one, exactly as the kernel counts them.
 *	Per folio: refcount - idle - mapcount, where idle is 0 for fsdax
 *	with %DAXPIN_PAGES_MAPPING_REFS and 1 otherwise (mapcount is 0 with
 *	%DAXPIN_PAGES_IDLE_REF).
 * @referenced_pages: base pages in folios with @refs > 0. A reference to any
 *	page of a compound folio holds the whole folio, so one reference to a
 *	2 MiB device-dax folio makes 512 pages referenced.
 * @pinned_pages: base pages in folios that folio_maybe_dma_pinned() reports:
 *	a small folio with refcount >= 1024, a large folio with _pincount > 0.
 *	"Maybe": 1024 ordinary references also look like a pin, as they do to
 *	the kernel.
 * @mapped_known: whether the kernel counts DAX mappings
 *	(%DAXPIN_PAGES_MAPPING_REFS); if false, @mapped_pages is 0 and means
 *	nothing: ask the holders scan who maps the device.
 * @mapped_pages: base pages in folios mapped into at least one process
 * @busy_folios: folios with @refs > 0 or pinned
 * @max_refcount: the highest refcount of any folio seen
 * @tail_pages: pages skipped because the range began inside a folio whose
 *	head lies before it (never for ranges from daxpin_topology_scan())
 * @nr_busy: entries of @busy filled, at most %DAXPIN_PAGES_BUSY_MAX
 * @busy: the first busy folios in PFN order
 */
struct daxpin_page_counts {
	uint64_t pages;
	uint64_t folios;
	uint64_t refs;
	uint64_t referenced_pages;
	uint64_t pinned_pages;
	bool mapped_known;
	uint64_t mapped_pages;
	uint64_t busy_folios;
	int32_t max_refcount;
	uint64_t tail_pages;
	size_t nr_busy;
	struct daxpin_page_busy busy[DAXPIN_PAGES_BUSY_MAX];
};

/**
 * daxpin_pagestate_open() - prepare to read page state
 * @ctx: library context
 * @ps: set to the new handle, NULL only when out of memory
 *
 * Checks privileges, lockdown and BTF, loads the BPF program (once: reuse
 * the handle for every scan) and detects the kernel's semantics.
 *
 * Return: 0, or a negative errno: -ENOTSUP (built without BPF, no BTF),
 * -EPERM (missing capabilities, lockdown), -ENOMEM, or whatever loading the
 * program failed with. On failure other than -ENOMEM, *@ps is still a handle
 * whose daxpin_pagestate_reason() says why in words; close it when done.
 */
int daxpin_pagestate_open(struct daxpin_ctx *ctx, struct daxpin_pagestate **ps);

/**
 * daxpin_pagestate_reason() - why page state is unavailable
 * @ps: handle from daxpin_pagestate_open()
 *
 * Return: NULL when page state is available, else a sentence fragment
 * such as "needs CAP_BPF and CAP_PERFMON (run as root)", "kernel
 * lockdown=confidentiality forbids reading kernel memory", "kernel has no
 * BTF (/sys/kernel/btf/vmlinux)" or "built without BPF support".
 */
const char *daxpin_pagestate_reason(const struct daxpin_pagestate *ps);

/**
 * daxpin_pagestate_semantics() - the detected kernel semantics
 * @ps: an available handle
 */
enum daxpin_page_semantics daxpin_pagestate_semantics(const struct daxpin_pagestate *ps);

/**
 * daxpin_page_semantics_name() - stable name of a semantics
 * @sem: the semantics
 *
 * Return: "idle-ref" or "mapping-refs" (for JSON, man page and scripts),
 * NULL for an unknown value.
 */
const char *daxpin_page_semantics_name(enum daxpin_page_semantics sem);

/**
 * daxpin_pagestate_scan() - count page state over PFN ranges
 * @ps: an available handle
 * @ranges: the ranges, e.g. daxpin_daxdev::ranges or
 *	daxpin_namespace::ranges (fsdax)
 * @nr_ranges: number of @ranges
 * @kind: what the pages are used for
 * @counts: filled with the sums over all ranges
 *
 * Return: 0, the errno daxpin_pagestate_open() failed with, -EINVAL for a
 * range that wraps around, or the negative errno of a failed read (-EFAULT:
 * a PFN without a struct page).
 */
int daxpin_pagestate_scan(struct daxpin_pagestate *ps,
			  const struct daxpin_pfn_range *ranges, size_t nr_ranges,
			  enum daxpin_page_kind kind,
			  struct daxpin_page_counts *counts);

/**
 * daxpin_page_counts_add() - add the counts of one object to a sum
 * @sum: the sum (start from zero)
 * @counts: the counts to add; its busy folios are appended while @sum has
 *	room for them
 *
 * For the page state of several objects together: a devdax namespace (its
 * devices), a region, a drain's targets.
 */
void daxpin_page_counts_add(struct daxpin_page_counts *sum,
			    const struct daxpin_page_counts *counts);

/**
 * daxpin_pagestate_close() - unload the program and free the handle
 * @ps: handle, or NULL
 */
/**
 * struct daxpin_page_file - the file a page frame belongs to
 * @pfn: in: the page frame
 * @known: whether the page is in a file's mapping (page->mapping names
 *	an inode); false for a free page, a device-dax page, or a page that
 *	reflinked files share
 * @dev: the file's filesystem (st_dev)
 * @ino: its inode number
 * @index: the page's offset in the file, in pages
 */
struct daxpin_page_file {
	uint64_t pfn;
	bool known;
	dev_t dev;
	uint64_t ino;
	uint64_t index;
};

/**
 * daxpin_page_files() - which file each page frame belongs to
 * @ps: a page-state handle
 * @pages: the frames to look up, filled in
 * @nr: number of @pages
 *
 * A filesystem-DAX page records its file and offset in the kernel's
 * page->mapping and page->index while the file has it in its mapping
 * (dax_associate_entry()), on 6.1 and since 6.15 alike.
 *
 * The lookup is a BPF program of its own, loaded with the handle where
 * DAXPIN_SCAN_PAGEFILES was declared (daxpin_set_scans()), else at the
 * first call (the page counts' programs then come from their pins).
 *
 * Return: 0, or the error daxpin_pagestate_open() gave, or another
 * negative errno.
 */
int daxpin_page_files(struct daxpin_pagestate *ps, struct daxpin_page_file *pages,
		      size_t nr);

void daxpin_pagestate_close(struct daxpin_pagestate *ps);

#endif
