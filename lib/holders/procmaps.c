// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A /proc/PID/maps line parser. Hand-written rather than sscanf: a holders
 * scan runs it on every line of every process, and most lines are rejected
 * after the device and inode fields.
 */
#include <errno.h>
#include <string.h>

#include "procmaps.h"

static const char deleted_suffix[] = " (deleted)";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number at *p (at least one digit, no overflow); advances *p. */
static int parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	while (s < end && (d = hexval(*s)) >= 0) {
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

static int parse_dec(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		s++;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

/* "major:minor inode", then the end of the line or a space. */
static int parse_dev_inode(const char **p, const char *end, unsigned int *major,
			   unsigned int *minor, uint64_t *inode)
{
	uint64_t maj, min;

	if (parse_hex(p, end, &maj) || expect(p, end, ':') ||
	    parse_hex(p, end, &min) || expect(p, end, ' ') ||
	    parse_dec(p, end, inode) || maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	if (*p < end && **p != ' ')
		return -EINVAL;
	*major = (unsigned int)maj;
	*minor = (unsigned int)min;
	return 0;
}

int procmaps_parse_id(const char *line, size_t len, unsigned int *major,
		      unsigned int *minor, uint64_t *inode)
{
	const char *end = line + len, *p = line;

	/* skip "start-end perms offset " without converting them */
	for (int spaces = 0; spaces < 3; spaces++) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return -EINVAL;
		p++;
	}
	return parse_dev_inode(&p, end, major, minor, inode);
}

int procmaps_parse_line(const char *line, size_t len, struct procmaps_entry *e)
{
	const char *end = line + len, *p = line;

	if (parse_hex(&p, end, &e->start) || expect(&p, end, '-') ||
	    parse_hex(&p, end, &e->end) || expect(&p, end, ' ') ||
	    end - p < 5 || p[4] != ' ' || e->end < e->start)
		return -EINVAL;
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 's' && p[3] != 'p'))
		return -EINVAL;
	e->readable = p[0] == 'r';
	e->writable = p[1] == 'w';
	e->executable = p[2] == 'x';
	e->shared = p[3] == 's';
	p += 5;
	if (parse_hex(&p, end, &e->offset) || expect(&p, end, ' ') ||
	    parse_dev_inode(&p, end, &e->major, &e->minor, &e->inode))
		return -EINVAL;
	/* the kernel pads to a column before the path; a name never starts with a space */
	while (p < end && *p == ' ')
		p++;
	e->path = p < end ? p : NULL;
	e->path_len = (size_t)(end - p);
	return 0;
}

bool procmaps_path_deleted(const struct procmaps_entry *e)
{
	size_t n = sizeof(deleted_suffix) - 1;

	return e->path && e->path_len > n &&
	       memcmp(e->path + e->path_len - n, deleted_suffix, n) == 0;
}

ssize_t procmaps_path(const struct procmaps_entry *e, char *buf, size_t size)
{
	size_t in_len = e->path_len, out = 0;

	if (!e->path)
		return -ENOENT;
	if (!size)
		return -ENAMETOOLONG;
	if (procmaps_path_deleted(e))
		in_len -= sizeof(deleted_suffix) - 1;
	for (size_t i = 0; i < in_len; i++) {
		char c = e->path[i];

		/* seq_file_path() escapes only '\n', as "\012" */
		if (c == '\\' && in_len - i >= 4 &&
		    memcmp(e->path + i, "\\012", 4) == 0) {
			c = '\n';
			i += 3;
		}
		if (out + 1 >= size)
			return -ENAMETOOLONG;
		buf[out++] = c;
	}
	buf[out] = '\0';
	return (ssize_t)out;
}
