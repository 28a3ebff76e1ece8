// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "private.h"

int bpf_iter_read_all(struct bpf_program *prog, char **buf, size_t *len, size_t *cap)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	int fd, rc = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		rc = -errno;
	while (fd >= 0 && !rc) {
		ssize_t n;

		rc = array_grow((void **)buf, cap, *len + 65536, 1);
		if (rc)
			break;
		n = read(fd, *buf + *len, *cap - *len);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		if (n == 0)
			break;
		if (n > 0)
			*len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return rc;
}
