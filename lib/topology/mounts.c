// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"
#include "core/private.h"

/* The kernel escapes space, tab, newline and backslash as \ooo (show_mountinfo). */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

int mountinfo_parse_line(char *line, struct mountinfo_entry *e)
{
	char *field[6], *save = NULL, *tok;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	/* id parent maj:min root target options [optional...] - fstype source super */
	for (tok = strtok_r(line, " ", &save); tok && n < 6;
	     tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	if (n < 6 || sscanf(field[2], "%u:%u", &e->major, &e->minor) != 2)
		return -EINVAL;
	e->target = field[4];
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	e->fstype = strtok_r(NULL, " ", &save);
	e->source = strtok_r(NULL, " ", &save);
	e->super_options = strtok_r(NULL, " ", &save);
	if (!e->fstype || !e->source || !e->super_options)
		return -EINVAL;
	unescape_octal(e->target);
	unescape_octal(e->source);
	return 0;
}

const char *mountinfo_dax_mode(const char *super_options)
{
	static const char *const modes[] = { "always", "inode", "never" };
	const char *p = super_options;

	while (p && *p) {
		size_t len = strcspn(p, ",");

		/* ext4 before 5.8 and "-o dax" print the bare flag, meaning always */
		if (len == 3 && strncmp(p, "dax", 3) == 0)
			return "always";
		if (len > 4 && strncmp(p, "dax=", 4) == 0)
			for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
				if (len - 4 == strlen(modes[i]) &&
				    strncmp(p + 4, modes[i], len - 4) == 0)
					return modes[i];
		p += len;
		if (*p == ',')
			p++;
	}
	return NULL;
}

void mounts_free(struct daxpin_mount *mounts, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(mounts[i].target);
		free(mounts[i].fstype);
		free(mounts[i].source);
	}
	free(mounts);
}

int mounts_of_blockdev(FILE *mountinfo, unsigned int major, unsigned int minor,
		       struct daxpin_mount **out)
{
	struct daxpin_mount *mounts = NULL, *m;
	char *line = NULL;
	size_t cap = 0, nr = 0;

	rewind(mountinfo);
	while (getline(&line, &cap, mountinfo) > 0) {
		struct mountinfo_entry e;

		if (mountinfo_parse_line(line, &e) < 0 || e.major != major ||
		    e.minor != minor)
			continue;
		m = array_push(&mounts, &nr, sizeof(*m));
		if (!m)
			goto nomem;
		m->target = strdup(e.target);
		m->fstype = strdup(e.fstype);
		m->source = strdup(e.source);
		m->dax = mountinfo_dax_mode(e.super_options);
		if (!m->target || !m->fstype || !m->source)
			goto nomem;
	}
	free(line);
	*out = mounts;
	return (int)nr;
nomem:
	free(line);
	mounts_free(mounts, nr);
	return -ENOMEM;
}
