// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: a duration option (holders -t, and every SECONDS option). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned int ms = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* accepted: at most a day, and a positive value is never "none" */
	if (parse_duration(s, &ms) == 0 && ms > 86400000)
		abort();
	free(s);
	return 0;
}
