/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PROCMAPS_H
#define DAXPIN_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One line of /proc/PID/maps (fs/proc/task_mmu.c, show_vma_header_prefix):
 *
 *   start-end perms offset major:minor inode   path
 *
 * Numbers are hex except the decimal inode; the device numbers may have
 * more than two digits. The path is padded with spaces, absent for
 * anonymous memory, "[heap]"-like for special mappings, has newlines
 * escaped as "\012" and a " (deleted)" suffix once the file is unlinked.
 */
struct procmaps_entry {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;
	unsigned int major, minor;
	uint64_t inode;
	bool readable, writable, executable, shared;
	const char *path;	/* escaped, not NUL-terminated; NULL if none */
	size_t path_len;
};

/*
 * The identity of the mapped file only (device and inode), skipping the
 * rest: the cheap test a scan applies to every line. line has len bytes,
 * without the newline. Returns 0 or -EINVAL.
 */
int procmaps_parse_id(const char *line, size_t len, unsigned int *major,
		      unsigned int *minor, uint64_t *inode);

/* Every field of a line of len bytes (without the newline); 0 or -EINVAL. */
int procmaps_parse_line(const char *line, size_t len, struct procmaps_entry *e);

/* Whether the path ends in " (deleted)": the file was unlinked. */
bool procmaps_path_deleted(const struct procmaps_entry *e);

/*
 * The path unescaped into buf (NUL-terminated), without " (deleted)".
 * Returns its length, or -ENOENT for an anonymous mapping, -ENAMETOOLONG
 * if it does not fit.
 */
ssize_t procmaps_path(const struct procmaps_entry *e, char *buf, size_t size);

#endif
