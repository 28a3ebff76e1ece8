/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_MEMORY_H
#define DAXPIN_MEMORY_H

/* Fronts lib/memory/. */

/*
 * System RAM from a dax device: a device bound to kmem hands its memory to
 * the page allocator in memory blocks (/sys/devices/system/memory/memoryN,
 * util-linux lsmem's unit). Taking the device out of service means
 * offlining every block first, and the kernel offlines a block only when
 * it can migrate every page in use out of it: a page with references
 * beyond its mappings (a pipe after vmsplice(), I/O in flight), a DMA pin
 * or a kernel allocation that cannot move (slab, page tables, reserved
 * memory) keeps the block online. This header reads the blocks of a
 * device, says what in each blocks an offline, and changes a block's state
 * with a bounded wait.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <daxpin/topology.h>

struct daxpin_ctx;
struct daxpin_pagestate;

enum daxpin_memblock_state {
	DAXPIN_MEMBLOCK_ONLINE,
	DAXPIN_MEMBLOCK_OFFLINE,
	DAXPIN_MEMBLOCK_GOING_OFFLINE,	/* an offline in progress, or one that failed half-way */
	DAXPIN_MEMBLOCK_UNKNOWN,
};

/* The zone an online block's pages are in, from its valid_zones. */
enum daxpin_zone {
	DAXPIN_ZONE_NONE,	/* offline */
	DAXPIN_ZONE_MOVABLE,	/* only movable allocations: offlining can always succeed once references go */
	DAXPIN_ZONE_NORMAL,	/* kernel allocations too, which may never move */
	DAXPIN_ZONE_OTHER,
};

/*
 * What a page scan of an online block found, in base pages. The pages
 * that keep an offline from finishing are referenced + pinned + unmovable.
 */
struct daxpin_memblock_pages {
	uint64_t free;		/* in the page allocator (buddy) */
	uint64_t in_use;	/* everything else */
	/* user pages with references beyond their mappings: migration fails while they last */
	uint64_t referenced;
	uint64_t pinned;	/* folio_maybe_dma_pinned(): RDMA, VFIO, io_uring fixed buffers */
	/* kernel pages offline cannot move, by kind */
	uint64_t slab;
	uint64_t page_tables;
	uint64_t reserved;	/* PG_reserved: boot allocations, memmap_on_memory */
	uint64_t kernel;	/* other kernel allocations (not on an LRU list, not movable) */
	/* the first blocking page, for the owners search; 0 when none */
	uint64_t first_blocking_pfn;
};

struct daxpin_memblock {
	unsigned long id;	/* N of memoryN */
	uint64_t start;		/* physical address */
	uint64_t size;
	enum daxpin_memblock_state state;
	enum daxpin_zone zone;
	char *valid_zones;	/* as the kernel says it: "Movable", "Normal Movable", … */
	bool removable;		/* the kernel's "removable" (always 1 since 5.11) */
	int node;		/* NUMA node, -1 if unknown */
	bool pages_known;	/* pages filled by daxpin_memory_scan_pages() */
	struct daxpin_memblock_pages pages;
};

struct daxpin_memory {
	uint64_t block_size;
	struct daxpin_memblock *blocks;
	size_t nr_blocks;
	/* why pages are not known: NULL after a scan of every online block */
	const char *pages_reason;
	/* /sys/devices/system/memory/auto_online_blocks: "offline", "online_movable", … */
	char auto_online[32];
};

/**
 * daxpin_memory_read() - the memory blocks of a system-RAM dax device
 * @ctx: library context
 * @dev: a device bound to kmem, with known ranges
 * @out: set to the blocks (free with daxpin_memory_free())
 *
 * Return: 0; -EINVAL for a device not bound to kmem; -EPERM when its
 * physical addresses are shown to root only; -ENOMEM; or the errno of a
 * sysfs read.
 */
int daxpin_memory_read(struct daxpin_ctx *ctx, const struct daxpin_daxdev *dev,
		       struct daxpin_memory **out);
void daxpin_memory_free(struct daxpin_memory *m);

/* Online blocks, and whether every online block is in ZONE_MOVABLE (daxctl's "movable"). */
size_t daxpin_memory_online(const struct daxpin_memory *m);
bool daxpin_memory_movable(const struct daxpin_memory *m);

/**
 * daxpin_memory_scan_pages() - classify the pages of every online block
 * @m: blocks from daxpin_memory_read()
 * @ps: a page-state handle (reference counts come from its BPF scan)
 *
 * Page kinds come from /proc/kpageflags (root). Sets pages_reason and
 * returns its errno when either is unavailable.
 */
int daxpin_memory_scan_pages(struct daxpin_memory *m, struct daxpin_pagestate *ps);

/* Pages of b that keep an offline from finishing (0 unless pages_known). */
uint64_t daxpin_memblock_blocking(const struct daxpin_memblock *b);
/* The same over every block. */
uint64_t daxpin_memory_blocking(const struct daxpin_memory *m);

/**
 * daxpin_memblock_set_state() - online or offline one block, bounded
 * @ctx: library context
 * @b: the block (its state and zone are updated)
 * @state: "offline", "online_movable" or "online_kernel"
 * @timeout_ms: how long the kernel may try; it retries migration until
 *	the writer gets a signal, so the write runs in a child process that
 *	is killed when time is up or @cancelled says so
 * @cancelled: polled every few milliseconds; NULL for never
 * @arg: passed to @cancelled
 *
 * Return: 0; -ETIMEDOUT or -EINTR (the block is as it was, or where the
 * kernel's own rollback put it: read it again); or the kernel's errno
 * (-EBUSY: an unmovable page).
 */
int daxpin_memblock_set_state(struct daxpin_ctx *ctx, struct daxpin_memblock *b,
			      const char *state, unsigned int timeout_ms,
			      bool (*cancelled)(void *arg), void *arg);

/* Whether memoryN exists: after the device's removal, none of its blocks does. */
bool daxpin_memblock_exists(unsigned long id);

/* The state to write that brings b back online in the zone it was in. */
const char *daxpin_memblock_online_state(enum daxpin_zone zone);

const char *daxpin_memblock_state_name(enum daxpin_memblock_state s);
const char *daxpin_zone_name(enum daxpin_zone z);

#endif
