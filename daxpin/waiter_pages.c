// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a task asleep in a layout break waits for: the referenced pages of
 * the file being broken and who owns them. Found from the namespace's busy
 * pages (daxpin_inode_pages()): the file's extents cannot be read while
 * the break holds its inode lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio_json.h"
#include "output.h"
#include "owners_json.h"
#include "waiter_pages.h"

static const char *pages_reason(int err)
{
	switch (err) {
	case -ENOTSUP:
		return "the file is not on an fsdax namespace";
	case -EPERM:
	case -EACCES:
		return "needs CAP_BPF and CAP_PERFMON (run as root)";
	case -ENOMEM:
		return "out of memory";
	}
	return "reading the page state failed";
}

struct waiter_pages *waiter_pages_scan(struct daxpin_ctx *ctx, const struct daxpin_layouts *l)
{
	struct waiter_pages *wp = calloc(l->nr_waiters ? l->nr_waiters : 1, sizeof(*wp));
	struct daxpin_pagestate *ps = NULL;

	if (!wp)
		return NULL;
	for (size_t i = 0; i < l->nr_waiters; i++) {
		const struct daxpin_layout_waiter *w = &l->waiters[i];
		int err;

		if (!w->file_known) {
			wp[i].reason = "the file being broken is unknown";
			continue;
		}
		/* loaded only when some waiter's file is known */
		if (!ps)
			daxpin_pagestate_open(ctx, &ps);
		if (!ps) {
			wp[i].reason = pages_reason(-ENOMEM);
			continue;
		}
		if (daxpin_pagestate_reason(ps)) {
			wp[i].reason = daxpin_pagestate_reason(ps);
			continue;
		}
		err = daxpin_inode_pages(ctx, ps, w->dev, w->ino, &wp[i].pages);
		if (err < 0)
			wp[i].reason = pages_reason(err);
	}
	daxpin_pagestate_close(ps);
	return wp;
}

void waiter_pages_free(struct waiter_pages *wp, size_t nr)
{
	for (size_t i = 0; wp && i < nr; i++)
		daxpin_inode_pages_clear(&wp[i].pages);
	free(wp);
}

static struct json_object *busy_to_json(const struct daxpin_inode_pages *p)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < p->nr_busy; i++) {
		struct json_object *j = busy_folio_to_json(&p->busy[i]);

		xjson_add(j, "offset", xjson_uint64(p->offsets[i]));
		xjson_append(a, j);
	}
	return a;
}

/* The owners of the file's pages, or NULL with *why. */
static const struct daxpin_target_owners *owners_of(const struct waiter_pages *wp,
						    const char **why)
{
	const struct daxpin_owners *o = wp->pages.owners;

	*why = NULL;
	if (wp->reason)
		*why = wp->reason;
	else if (!o)
		return NULL;	/* no referenced page: nobody */
	else if (o->reason)
		*why = o->reason;
	else if (o->nr_targets == 1)
		return &o->targets[0];
	else
		*why = "owners were not scanned";
	return NULL;
}

void waiter_pages_to_json(struct json_object *j, const struct waiter_pages *wp)
{
	const struct daxpin_inode_pages *p = &wp->pages;
	const struct daxpin_target_owners *to;
	struct json_object *pj;
	const char *why;

	if (wp->reason) {
		xjson_add(j, "pages", NULL);
		xjson_add(j, "pages_reason", xjson_string(wp->reason));
	} else {
		pj = xjson_object();
		xjson_add(pj, "referenced", xjson_uint64(p->referenced_pages));
		xjson_add(pj, "busy", busy_to_json(p));
		/* past the limit, pages of the file may be missing */
		xjson_add(pj, "complete", xjson_bool(p->complete));
		xjson_add(j, "pages", pj);
	}
	to = owners_of(wp, &why);
	if (why) {
		xjson_add(j, "owners", NULL);
		xjson_add(j, "owners_reason", xjson_string(why));
		return;
	}
	if (!to) {	/* no referenced page */
		xjson_add(j, "owners", xjson_array());
		xjson_add(j, "unattributed", xjson_uint64(0));
		return;
	}
	xjson_add(j, "owners", owner_list_to_json(to));
	xjson_add(j, "unattributed", to->refs_known ? xjson_uint64(to->unattributed) : NULL);
}

char *waiter_pages_refs_cell(const struct waiter_pages *wp)
{
	char *s = NULL;

	if (wp->reason)
		return strdup("?");
	if (asprintf(&s, "%ju%s", (uintmax_t)wp->pages.referenced_pages,
		     wp->pages.complete ? "" : "+") < 0)
		return NULL;
	return s;
}

char *waiter_pages_owners_cell(const struct waiter_pages *wp)
{
	const struct daxpin_target_owners *to;
	const char *why;
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	to = owners_of(wp, &why);
	if (why)
		return strdup("?");
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; to && i < to->nr_owners; i++) {
		const struct daxpin_owner *ow = &to->owners[i];

		for (size_t r = 0; r < ow->nr_refs; r++)
			fprintf(f, "%s%d %s %s fd %d", ftell(f) ? ", " : "", (int)ow->pid,
				ow->comm, daxpin_ref_kind_name(ow->refs[r].kind), ow->refs[r].fd);
	}
	if (to && to->refs_known && to->unattributed)
		fprintf(f, "%s%ju unattributed", ftell(f) ? ", " : "", (uintmax_t)to->unattributed);
	if (fclose(f))
		return NULL;
	return s;
}
