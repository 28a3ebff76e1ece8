/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_FILEPAGES_H
#define DAXPIN_FILEPAGES_H

/* Fronts lib/pages/. */

/*
 * The page state of files on filesystem-DAX: by their extents, by walking
 * a mount, or by inode without taking the file's locks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <daxpin/owners.h>
#include <daxpin/pagestate.h>

struct daxpin_ctx;

/**
 * daxpin_file_pfns() - the page frames of a file on an fsdax namespace
 * @ctx: library context
 * @fd: the file
 * @ranges: set to its frames (free() them), for daxpin_pagestate_scan()
 *	with %DAXPIN_PAGE_FSDAX
 * @nr: set to their number
 *
 * FIEMAP takes the file's inode lock (shared) on XFS: while a truncate of
 * the file waits in a layout break, holding that lock, this sleeps
 * uninterruptibly until the truncate ends. Read the frames before a
 * break, or when no thread waits in one on the file (daxpin_layouts_scan()).
 *
 * Return: 0, or a negative errno as daxpin_file_pages().
 */
int daxpin_file_pfns(struct daxpin_ctx *ctx, int fd,
		     struct daxpin_pfn_range **ranges, size_t *nr);

/**
 * daxpin_file_pages() - page state of a file on an fsdax namespace
 * @ctx: library context
 * @ps: an available page-state handle
 * @fd: the file, open for reading
 * @counts: the page state of exactly the file's blocks
 *
 * Maps the file's extents (FIEMAP) to offsets on its block device and
 * those to page frames through the namespace's data range, then scans
 * those frames only. Blocks while the file's layouts are being broken; see
 * daxpin_file_pfns().
 *
 * Return: 0; -ENOTSUP when the file is not on an fsdax namespace's block
 * device (or a partition of one); -EPERM without the physical addresses
 * (root); or another negative errno.
 */
int daxpin_file_pages(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
		      int fd, struct daxpin_page_counts *counts);

/**
 * struct daxpin_busy_file - a file with referenced or pinned pages
 * @path: its path under the mount point given
 * @ino: its inode number
 * @pages: the page state of its blocks
 */
struct daxpin_busy_file {
	char *path;
	ino_t ino;
	struct daxpin_page_counts pages;
};

/**
 * daxpin_busy_files() - the files of a DAX mount with referenced pages
 * @ctx: library context
 * @ps: an available page-state handle
 * @mount: a directory of the filesystem (its mount point: all of it)
 * @files: set to the files with referenced or pinned pages (free with
 *	daxpin_busy_files_free())
 * @nr: set to their number
 *
 * Walks the filesystem (not crossing into other mounts) and reads the page
 * state of every regular file as daxpin_file_pages() does: the files an
 * unmount would wait for on 6.15+ (uninterruptibly), or leave referenced
 * before. An unlinked file no name reaches is not found.
 *
 * Return: 0, or a negative errno as daxpin_file_pages().
 */
int daxpin_busy_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
		      const char *mount, struct daxpin_busy_file **files, size_t *nr);
void daxpin_busy_files_free(struct daxpin_busy_file *files, size_t nr);

/**
 * struct daxpin_inode_pages - the referenced pages of one file
 * @busy: its busy folios (referenced or pinned), in page-frame order
 * @offsets: @busy[i]'s offset in the file, in bytes
 * @nr_busy: number of @busy
 * @referenced_pages: base pages of the file in @busy
 * @examined: busy folios of the namespace looked at
 * @complete: whether every busy folio of the namespace was examined
 *	(false past %DAXPIN_INODE_PAGES_EXAMINED_MAX)
 * @owners: the owners of @busy (daxpin_owners_scan()), or NULL when
 *	@nr_busy is 0
 */
struct daxpin_inode_pages {
	struct daxpin_page_busy *busy;
	uint64_t *offsets;
	size_t nr_busy;
	uint64_t referenced_pages;
	size_t examined;
	bool complete;
	struct daxpin_owners *owners;
};

/* Busy folios of a namespace daxpin_inode_pages() looks at, at most. */
#define DAXPIN_INODE_PAGES_EXAMINED_MAX 4096

/**
 * daxpin_inode_pages() - the referenced pages of a file, without its extents
 * @ctx: library context
 * @ps: an available page-state handle
 * @dev: the file's filesystem (st_dev), on an fsdax namespace
 * @ino: the file's inode number
 * @out: the result, cleared with daxpin_inode_pages_clear()
 *
 * Scans the namespace's page state and keeps the busy folios whose
 * page->mapping is the file's; then finds their owners. Unlike
 * daxpin_file_pages() it never takes the file's inode lock, so it works
 * while a layout break of the file holds it (daxpin_layouts_scan()), and
 * for a file no name reaches.
 *
 * Return: 0, or a negative errno as daxpin_file_pages().
 */
int daxpin_inode_pages(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
		       dev_t dev, uint64_t ino, struct daxpin_inode_pages *out);
void daxpin_inode_pages_clear(struct daxpin_inode_pages *p);

#endif
