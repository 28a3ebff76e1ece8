// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bpf.h"
#include "private.h"

/* libbpf logs through a process-wide callback without a user pointer: the
 * handle being loaded is passed on the side, per thread. */
static __thread struct daxpin_ctx *log_ctx;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct daxpin_ctx *ctx = log_ctx;
	int prio = level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG;
	char msg[512];

	if (!ctx || ctx->log_priority < prio)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* libbpf prefixes its messages with "libbpf: " itself */
	daxpin_log(ctx, prio, __FILE__, __LINE__, "libbpf", "%s",
		   strncmp(msg, "libbpf: ", 8) ? msg : msg + 8);
	return 0;
}

void bpf_log_enter(struct daxpin_ctx *ctx, struct bpf_log_scope *scope)
{
	scope->saved_ctx = log_ctx;
	log_ctx = ctx;
	scope->saved = libbpf_set_print(libbpf_log);
}

void bpf_log_leave(struct bpf_log_scope *scope)
{
	libbpf_set_print(scope->saved);
	log_ctx = scope->saved_ctx;
}

static bool wanted_has(const char *const *wanted, const char *name)
{
	for (; *wanted; wanted++)
		if (!strcmp(*wanted, name))
			return true;
	return false;
}

int bpf_skeleton_load(struct bpf_object_skeleton *skeleton, const char *const *wanted)
{
	for (int i = 0; wanted && i < skeleton->prog_cnt; i++) {
		/* the skeleton says its entries' size: it may be newer than this libbpf */
		struct bpf_prog_skeleton *p = (struct bpf_prog_skeleton *)
			((char *)skeleton->progs + (size_t)i * skeleton->prog_skel_sz);

		if (!wanted_has(wanted, p->name)) {
			int rc = bpf_program__set_autoload(*p->prog, false);

			if (rc)
				return rc;
		}
	}
	/* libbpf 1.x returns -errno itself */
	return bpf_object__load_skeleton(skeleton) < 0 ? -errno : 0;
}

int bpf_iter_read_all(struct daxpin_ctx *ctx, struct bpf_program *prog,
		      char **buf, size_t *len, size_t *cap)
{
	struct bpf_log_scope scope;
	struct bpf_link *link;
	int fd, rc = 0;

	bpf_log_enter(ctx, &scope);
	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		rc = -errno;
	bpf_log_leave(&scope);
	if (rc)
		return rc;
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
