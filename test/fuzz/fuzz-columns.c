// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: the -o LIST column list, against a command's real column set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct column cols[] = {
	{ "NAME", 1, 0, "" }, { "SIZE", 1, 0, "" }, { "MAJ:MIN", 1, 0, "" },
	{ "PID", 1, 0, "" }, { "MODE", 1, 0, "" },
};
static const int defaults[] = { 0, 1, 3 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	struct column_selection sel;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (columns_select("fuzz", spec, cols, sizeof(cols) / sizeof(cols[0]), defaults,
			   sizeof(defaults) / sizeof(defaults[0]), &sel) == 0) {
		/* a selection is never empty, never over the limit, never a duplicate */
		if (!sel.nr || sel.nr > COLUMNS_MAX)
			abort();
		for (size_t i = 0; i < sel.nr; i++)
			for (size_t j = i + 1; j < sel.nr; j++)
				if (sel.ids[i] == sel.ids[j])
					abort();
	}
	free(spec);
	return 0;
}
