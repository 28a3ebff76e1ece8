// SPDX-License-Identifier: LGPL-2.1-or-later
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/holders.h>

#include "procstatus.h"

/* The value of "Key:\tvalue" if line starts with key (with its colon), else NULL. */
static const char *field(const char *line, size_t len, const char *key, size_t *value_len)
{
	size_t k = strlen(key);

	if (len < k + 1 || memcmp(line, key, k) || line[k] != '\t')
		return NULL;
	*value_len = len - k - 1;
	return line + k + 1;
}

/* Undoes proc_task_name's escaping of '\n' and '\\'; other bytes as they are. */
static void comm_unescape(const char *s, size_t len, char *comm, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == '\\'))
			c = s[++i] == 'n' ? '\n' : '\\';
		comm[n++] = c;
	}
	comm[n] = '\0';
}

/* A decimal number at the start of s (len bytes); false if there is none. */
static bool number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, start;

	/* VmPin's value is right-aligned: "VmPin:\t       0 kB" */
	while (i < len && s[i] == ' ')
		i++;
	for (start = i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return i > start;
}

void procstatus_parse(const char *text, size_t len, struct daxpin_process *p)
{
	const char *end = text + len;

	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line), vlen;
		const char *v;
		uint64_t num;

		if ((v = field(line, n, "Name:", &vlen))) {
			comm_unescape(v, vlen, p->comm, sizeof(p->comm));
		} else if ((v = field(line, n, "Uid:", &vlen))) {
			/* real, effective, saved, filesystem */
			const char *tab = memchr(v, '\t', vlen);

			if (tab && number(tab + 1, (size_t)(v + vlen - tab - 1), &num) &&
			    num <= UINT32_MAX)
				p->uid = (uid_t)num;
		} else if ((v = field(line, n, "VmPin:", &vlen)) && number(v, vlen, &num) &&
			   num <= UINT64_MAX / 1024) {
			p->vm_pinned_bytes = num * 1024;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}
