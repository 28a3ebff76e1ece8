// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: /proc/PID/status text, any length, no NUL at the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/holders.h>

#include "holders/procstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	struct daxpin_process p = { 0 };

	if (!text)
		return 0;
	memcpy(text, data, size);
	procstatus_parse(text, size, &p);
	/* comm is always a string that fits */
	if (strnlen(p.comm, sizeof(p.comm)) == sizeof(p.comm))
		abort();
	free(text);
	return 0;
}
