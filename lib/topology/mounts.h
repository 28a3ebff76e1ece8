/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_MOUNTS_H
#define DAXPIN_MOUNTS_H

#include <stddef.h>
#include <stdio.h>
#include <daxpin/topology.h>

/* One line of /proc/PID/mountinfo, fields pointing into the parsed line. */
struct mountinfo_entry {
	unsigned int major, minor;
	char *target;
	char *fstype;
	char *source;
	char *super_options;
};

/*
 * Parses one mountinfo line in place (unescaping octal escapes such as
 * "\040" for a space). Returns 0, or -EINVAL for a malformed line.
 */
int mountinfo_parse_line(char *line, struct mountinfo_entry *e);

/* The value of the "dax" super option: "always", "inode", "never" or NULL. */
const char *mountinfo_dax_mode(const char *super_options);

/*
 * Collects every mount of block device major:minor from a mountinfo stream.
 * Returns the number found (mounts allocated in *out), or a negative errno.
 */
int mounts_of_blockdev(FILE *mountinfo, unsigned int major, unsigned int minor,
		       struct daxpin_mount **out);
void mounts_free(struct daxpin_mount *mounts, size_t nr);

#endif
