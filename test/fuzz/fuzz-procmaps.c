// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: one line of /proc/PID/maps, as the holders scan parses it. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "holders/procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan sees any read past the line */
	char *line = malloc(size ? size : 1), path[PATH_MAX];
	struct procmaps_entry e;
	unsigned int major, minor;
	uint64_t ino;

	if (!line)
		return 0;
	memcpy(line, data, size);
	procmaps_parse_id(line, size, &major, &minor, &ino);
	if (procmaps_parse_line(line, size, &e) == 0) {
		procmaps_path_deleted(&e);
		procmaps_path(&e, path, sizeof(path));
		procmaps_path(&e, path, 8);
	}
	free(line);
	return 0;
}
