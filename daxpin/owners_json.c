// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reference owners as JSON, the same in every command that names them
 * (holders, layouts, drain).
 */
#include <inttypes.h>
#include <stdio.h>

#include "owners_json.h"
#include "output.h"

static const char *pipe_end_name(unsigned int end)
{
	switch (end & (DAXPIN_PIPE_READ | DAXPIN_PIPE_WRITE)) {
	case DAXPIN_PIPE_READ:
		return "read";
	case DAXPIN_PIPE_WRITE:
		return "write";
	case DAXPIN_PIPE_READ | DAXPIN_PIPE_WRITE:
		return "read-write";
	}
	return NULL;
}

/* Hints name a file that may hold the pages, not the pages. */
static bool is_hint(enum daxpin_ref_kind kind)
{
	return kind == DAXPIN_REF_RDMA_HINT || kind == DAXPIN_REF_VFIO_HINT;
}

struct json_object *references_to_json(const struct daxpin_owner *ow)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; ow && i < ow->nr_refs; i++) {
		const struct daxpin_reference *r = &ow->refs[i];
		struct json_object *j = xjson_object();
		bool hint = is_hint(r->kind);

		bool resident = r->kind == DAXPIN_REF_RESIDENT;	/* pages of its memory: no file */

		xjson_add(j, "kind", xjson_string(daxpin_ref_kind_name(r->kind)));
		xjson_add(j, "fd", resident ? NULL : xjson_int(r->fd));
		xjson_add(j, "inode", resident ? NULL : xjson_uint64(r->inode));
		xjson_add(j, "end", r->kind == DAXPIN_REF_PIPE ?
			  xjson_string(pipe_end_name(r->end)) : NULL);
		xjson_add(j, "pages", hint ? NULL : xjson_uint64(r->pages));
		xjson_add(j, "exact", xjson_bool(!hint));
		xjson_append(a, j);
	}
	return a;
}

void reference_describe(const struct daxpin_reference *r, char *buf, size_t size)
{
	const char *end = r->kind == DAXPIN_REF_PIPE ? pipe_end_name(r->end) : NULL;

	if (r->kind == DAXPIN_REF_RDMA_HINT)
		snprintf(buf, size, "RDMA verbs fd %d and pinned memory (a hint, not exact)", r->fd);
	else if (r->kind == DAXPIN_REF_VFIO_HINT)
		snprintf(buf, size, "VFIO fd %d, may map pages for DMA (a hint, not exact)", r->fd);
	else if (r->kind == DAXPIN_REF_RESIDENT)
		snprintf(buf, size, "%" PRIu64 " page%s of its memory live there", r->pages,
			 r->pages == 1 ? "" : "s");
	else
		snprintf(buf, size, "%" PRIu64 " page%s in %s fd %d (inode %" PRIu64 "%s%s%s)",
			 r->pages, r->pages == 1 ? "" : "s", daxpin_ref_kind_name(r->kind), r->fd,
			 r->inode, end ? ", " : "", end ? end : "", end ? " end" : "");
}

struct json_object *owner_list_to_json(const struct daxpin_target_owners *to)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < to->nr_owners; i++) {
		const struct daxpin_owner *ow = &to->owners[i];
		struct json_object *j = xjson_object();

		xjson_add(j, "pid", xjson_int(ow->pid));
		xjson_add(j, "comm", xjson_string(ow->comm));
		xjson_add(j, "uid", xjson_int((int)ow->uid));
		xjson_add(j, "references", references_to_json(ow));
		xjson_append(a, j);
	}
	return a;
}
