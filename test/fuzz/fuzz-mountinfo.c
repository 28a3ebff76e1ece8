// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: mountinfo text, line by line through getline as the library reads it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/mounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	struct daxpin_mount *mounts = NULL;
	char *line = NULL;
	size_t cap = 0;
	int nr;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_entry e;

		if (mountinfo_parse_line(line, &e) == 0)
			mountinfo_dax_mode(e.super_options);
	}
	free(line);
	/* and the collector the topology uses, for a device that may be in it */
	nr = mounts_of_blockdev(f, 259, 0, &mounts);
	if (nr > 0)
		mounts_free(mounts, (size_t)nr);
	fclose(f);
	return 0;
}
