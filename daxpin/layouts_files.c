// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin layouts --files MOUNT...: the files of a DAX mount whose pages are
 * referenced. Asked before an unmount: on 6.15+ the unmount would wait for
 * each of them, uninterruptibly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/filepages.h>

#include "exitcodes.h"
#include "layouts_output.h"

enum { FCOL_FILE, FCOL_INO, FCOL_REFS, FCOL_REFERENCED, FCOL_PINNED };

static const struct column files_columns[] = {
	[FCOL_FILE] = { "FILE", 0.5, 0, "path" },
	[FCOL_INO] = { "INO", 8, SCOLS_FL_RIGHT, "inode number" },
	[FCOL_REFS] = { "REFS", 5, SCOLS_FL_RIGHT, "references beyond idle and mappings" },
	[FCOL_REFERENCED] = { "REFERENCED", 5, SCOLS_FL_RIGHT, "referenced pages" },
	[FCOL_PINNED] = { "PINNED", 6, SCOLS_FL_RIGHT, "pages that may be DMA-pinned" },
};

static const int files_default_columns[] = {
	FCOL_FILE, FCOL_INO, FCOL_REFS, FCOL_REFERENCED, FCOL_PINNED,
};

static int add_row(struct libscols_table *tb, const struct daxpin_busy_file *f)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char buf[4][32];

	if (!ln)
		return -ENOMEM;
	snprintf(buf[0], sizeof(buf[0]), "%ju", (uintmax_t)f->ino);
	snprintf(buf[1], sizeof(buf[1]), "%" PRIu64, f->pages.refs);
	snprintf(buf[2], sizeof(buf[2]), "%" PRIu64, f->pages.referenced_pages);
	snprintf(buf[3], sizeof(buf[3]), "%" PRIu64, f->pages.pinned_pages);
	if (scols_line_set_data(ln, FCOL_FILE, f->path) < 0 ||
	    scols_line_set_data(ln, FCOL_INO, buf[0]) < 0 ||
	    scols_line_set_data(ln, FCOL_REFS, buf[1]) < 0 ||
	    scols_line_set_data(ln, FCOL_REFERENCED, buf[2]) < 0 ||
	    scols_line_set_data(ln, FCOL_PINNED, buf[3]) < 0)
		return -ENOMEM;
	return 0;
}

static struct json_object *file_json(const char *mount, const struct daxpin_busy_file *f)
{
	struct json_object *j = xjson_object();

	xjson_add(j, "mount", xjson_string(mount));
	xjson_add(j, "file", xjson_string(f->path));
	xjson_add(j, "ino", xjson_uint64(f->ino));
	xjson_add(j, "refs", xjson_uint64(f->pages.refs));
	xjson_add(j, "referenced", xjson_uint64(f->pages.referenced_pages));
	xjson_add(j, "pinned", xjson_uint64(f->pages.pinned_pages));
	return j;
}

/*
 * 1 (said so) when a thread waits in a layout break on the mount: on XFS it
 * holds its file's inode lock, and reading that file's extents would wait
 * for it, unkillably.
 */
static int layout_break_in_progress(struct daxpin_ctx *ctx, const char *mount)
{
	struct daxpin_target t = { 0 };
	struct daxpin_layouts *l = NULL;
	int rc = daxpin_target_add_path(&t, mount);

	if (!rc)
		rc = daxpin_layouts_scan(ctx, &t, 1, &l);
	daxpin_target_clear(&t);
	if (rc < 0) {
		fprintf(stderr, "daxpin layouts: %s: %s\n", mount, strerror(-rc));
		return rc;
	}
	rc = l->nr_waiters > 0;
	if (rc)
		fprintf(stderr, "daxpin layouts: %s: pid %d waits in a layout break (%s %s); its file's extents cannot be read until it ends: see 'daxpin layouts %s'\n",
			mount, (int)l->waiters[0].pid, l->waiters[0].operation,
			l->waiters[0].path ? l->waiters[0].path : "of an unknown file", mount);
	daxpin_layouts_free(l);
	return rc;
}

int layouts_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps, char **mounts,
		  int nr, bool json, const struct table_options *o)
{
	struct column_selection sel = { .nr = sizeof(files_default_columns) / sizeof(int) };
	struct json_object *all = json ? xjson_array() : NULL;
	struct libscols_table *tb;
	size_t found = 0;
	int rc = EXIT_OK;

	if (!nr) {
		fprintf(stderr, "daxpin layouts: --files needs a mount point\n");
		return EXIT_USAGE;
	}
	if (!ps || daxpin_pagestate_reason(ps)) {
		fprintf(stderr, "daxpin layouts: --files: page state unavailable: %s\n",
			ps ? daxpin_pagestate_reason(ps) : "out of memory");
		return ps ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	memcpy(sel.ids, files_default_columns, sizeof(files_default_columns));
	tb = table_new(o, files_columns, &sel);
	if (!tb)
		return EXIT_FAILURE_;
	for (int i = 0; i < nr && rc == EXIT_OK; i++) {
		struct daxpin_busy_file *files;
		size_t n;
		int err = layout_break_in_progress(ctx, mounts[i]);

		if (err) {
			rc = err < 0 ? EXIT_FAILURE_ : EXIT_BUSY;
			break;
		}
		err = daxpin_busy_files(ctx, ps, mounts[i], &files, &n);

		if (err == -ENOTSUP) {
			fprintf(stderr, "daxpin layouts: %s: not on an fsdax namespace's block device\n",
				mounts[i]);
			rc = EXIT_UNSUPPORTED;
		} else if (err < 0) {
			fprintf(stderr, "daxpin layouts: %s: %s\n", mounts[i], strerror(-err));
			rc = err == -ENOENT ? EXIT_NOT_FOUND : EXIT_FAILURE_;
		}
		for (size_t k = 0; !err && k < n; k++) {
			if (json)
				xjson_append(all, file_json(mounts[i], &files[k]));
			else if (add_row(tb, &files[k]) < 0)
				rc = EXIT_FAILURE_;
		}
		found += err ? 0 : n;
		if (!err)
			daxpin_busy_files_free(files, n);
	}
	if (json && rc == EXIT_OK)
		json_print(stdout, all);
	else if (rc == EXIT_OK && found)
		scols_print_table(tb);
	else if (rc == EXIT_OK)
		printf("no file has referenced pages\n");
	json_object_put(all);
	scols_unref_table(tb);
	return rc == EXIT_OK && !found ? EXIT_NONE : rc;
}
