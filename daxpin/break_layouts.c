// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin break-layouts FILE...: force a layout break of each file (a
 * same-size truncate in a child process) and say what held it up when it
 * had to be killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daxpin/holders.h>

#include "builtin.h"
#include "exitcodes.h"
#include "holders_output.h"
#include "interrupt.h"
#include "layouts_output.h"
#include "options.h"

static const char pre615_note[] =
	"the kernel did not wait for them: before Linux 6.15 a layout break skips a file no process maps";

/* The processes that map or open the file: who to ask to let go. */
static struct daxpin_holders *file_holders(struct daxpin_ctx *ctx, const char *path)
{
	struct daxpin_target t = { 0 };
	struct daxpin_holders *h = NULL;

	if (daxpin_target_add_path(&t, path) < 0 ||
	    daxpin_holders_scan(ctx, &t, 1, 5000, 0, &h) < 0)
		h = NULL;
	daxpin_target_clear(&t);
	return h;
}

static struct json_object *pages_json(const struct daxpin_break *b)
{
	struct json_object *j;

	if (!b->pages_known)
		return NULL;
	j = xjson_object();
	xjson_add(j, "refs", xjson_uint64(b->pages.refs));
	xjson_add(j, "referenced", xjson_uint64(b->pages.referenced_pages));
	xjson_add(j, "pinned", xjson_uint64(b->pages.pinned_pages));
	return j;
}

static struct json_object *result_json(const char *path, const struct daxpin_break *b,
				       const struct daxpin_holders *h)
{
	struct json_object *j = xjson_object();

	xjson_add(j, "file", xjson_string(path));
	xjson_add(j, "size", xjson_uint64(b->size));
	xjson_add(j, "broken", xjson_bool(b->broken));
	xjson_add(j, "timed_out", xjson_bool(b->timed_out));
	xjson_add(j, "interrupted", xjson_bool(b->interrupted));
	xjson_add(j, "error", b->error ? xjson_string(strerror(b->error)) : NULL);
	xjson_add(j, "elapsed_ms", xjson_uint64(b->elapsed_ns / 1000000));
	xjson_add(j, "times_restored", xjson_bool(b->times_restored));
	xjson_add(j, "privs_restored", xjson_bool(b->privs_restored));
	xjson_add(j, "left_running", b->left_running ? xjson_int(b->left_running) : NULL);
	xjson_add(j, "pages", pages_json(b));
	if (!b->pages_known)
		xjson_add(j, "pages_reason", xjson_string(
			b->pages_reason ? b->pages_reason : "the file is not on an fsdax namespace"));
	/* after a break: references the kernel returned without waiting for */
	if (b->broken && b->pages_known && (b->pages.referenced_pages || b->pages.pinned_pages))
		xjson_add(j, "note", xjson_string(pre615_note));
	xjson_add(j, "waiters", b->waiters ? waiters_to_json(b->waiters, NULL) : NULL);
	xjson_add(j, "holders", h ? holders_to_json(&h->targets[0]) : NULL);
	return j;
}

static void print_result(const char *path, const struct daxpin_break *b,
			 const struct daxpin_holders *h)
{
	double secs = (double)b->elapsed_ns / 1e9;

	if (b->broken) {
		printf("%s: layouts broken in %.2f s, size %" PRIu64 " kept; ctime updated, atime and mtime %s\n",
		       path, secs, b->size, b->times_restored ? "restored" : "NOT restored");
		if (b->pages_known && (b->pages.referenced_pages || b->pages.pinned_pages))
			printf("%s: %" PRIu64 " page(s) still referenced: %s\n", path,
			       b->pages.referenced_pages, pre615_note);
		return;
	}
	if (b->error) {
		printf("%s: the truncate failed: %s; nothing changed\n", path, strerror(b->error));
		return;
	}
	if (b->left_running)
		printf("%s: still waiting after %.2f s; the truncate (pid %d) ignores SIGKILL, asleep behind another operation on the file, and finishes when that does (then mtime changes)\n",
		       path, secs, (int)b->left_running);
	else
		printf("%s: still waiting after %.2f s: truncate %s, file unchanged\n", path, secs,
		       b->timed_out ? "killed at the timeout" : "interrupted");
	if (b->waiters && b->waiters->nr_waiters) {
		/* the pages and their owners are reported below */
		struct table_options o = { .output = "PID,COMMAND,STATE,WAIT,OPERATION,FILE,WAITED" };
		struct column_selection sel;

		printf("\nwaiting in the layout break:\n");
		if (waiters_columns_select("break-layouts", &o, &sel) == 0)
			waiters_print_table(b->waiters, NULL, &o, &sel);
	}
	if (b->pages_known)
		printf("\npages of %s: %" PRIu64 " referenced (%" PRIu64 " references), %" PRIu64 " pinned\n",
		       path, b->pages.referenced_pages, b->pages.refs, b->pages.pinned_pages);
	else
		printf("\npages of %s: unknown: %s\n", path, b->pages_reason ? b->pages_reason :
		       "the file is not on an fsdax namespace");
	if (h && h->targets[0].nr_holders) {
		printf("processes that map or open it (a pipe or I/O holding a page may outlive them):");
		for (size_t i = 0; i < h->targets[0].nr_holders; i++) {
			char access[ACCESS_STR_MAX];

			access_str(h->targets[0].holders[i].access, access);
			printf(" %d%s(%s)", (int)h->targets[0].holders[i].proc->pid, access,
			       h->targets[0].holders[i].proc->comm);
		}
		printf("\n");
	}
}

static int exit_of(const struct daxpin_break *b)
{
	if (b->broken)
		return EXIT_OK;
	if (b->timed_out)
		return EXIT_TIMEOUT;
	if (b->interrupted)
		return EXIT_INTERRUPTED;
	return b->error == EPERM || b->error == EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
}

/* Checks a file before anything is changed; opens it for the truncate. */
static int open_checked(const char *path, int *fd)
{
	const char *why;
	int pfd = open(path, O_PATH | O_CLOEXEC), rc;

	if (pfd < 0) {
		fprintf(stderr, "daxpin break-layouts: %s: %s\n", path, strerror(errno));
		return errno == ENOENT ? EXIT_NOT_FOUND : errno == EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	rc = daxpin_break_layouts_supported(pfd, &why);
	close(pfd);
	if (rc == -ENOTSUP) {
		fprintf(stderr, "daxpin break-layouts: %s: %s; nothing to break\n", path, why);
		return EXIT_UNSUPPORTED;
	}
	if (rc < 0) {
		fprintf(stderr, "daxpin break-layouts: %s: %s\n", path, strerror(-rc));
		return EXIT_FAILURE_;
	}
	*fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0) {
		fprintf(stderr, "daxpin break-layouts: %s: cannot open for writing (%s): the truncate needs write access\n",
			path, strerror(errno));
		return errno == EACCES || errno == EPERM || errno == EROFS ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	return EXIT_OK;
}

static const struct command_option break_layouts_options[] = {
	{ 't', "timeout", "SECONDS", "kill the truncate after this long and report what\n"
				      "held the file (default: wait for ever)" },
	{ 'J', "json", NULL, "JSON" },
};

static const struct command_spec break_layouts_command = {
	.name = "break-layouts",
	.usage = "daxpin break-layouts [OPTIONS] FILE...\n\n"
		"Force a layout break of each file on filesystem-DAX (XFS, ext4): unmap it\n"
		"from every process and wait until no page of it is referenced, by a\n"
		"same-size truncate in a child process. Size and data never change; ctime\n"
		"does, atime and mtime are restored.",
	.options = break_layouts_options,
	.nr_options = ARRAY_SIZE(break_layouts_options),
	.exit_status = "0 broken, 6 timeout, 7 interrupted, 8 not a DAX file on XFS or\n"
		"ext4, 5 already being broken, 3 no such file, 4 no write access, 2 usage.",
};

int cmd_break_layouts(int argc, char **argv, struct daxpin_ctx *ctx)
{
	volatile sig_atomic_t *stop;
	struct json_object *all = NULL;
	struct daxpin_pagestate *ps = NULL;
	unsigned int timeout_ms = 0;
	bool json = false;
	int c, nr, rc = EXIT_OK, *fds;

	while ((c = command_option(&break_layouts_command, NULL, argc, argv)) > 0) {
		switch (c) {
		case 't':
			if (option_duration("break-layouts", "timeout", optarg, 0, &timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'J': json = true; break;
		}
	}
	if (c < 0)
		return -1 - c;
	nr = argc - optind;
	if (!nr) {
		fprintf(stderr, "daxpin break-layouts: no file; name a file on a DAX mount\n");
		return EXIT_USAGE;
	}
	fds = calloc((size_t)nr, sizeof(*fds));
	if (!fds)
		return EXIT_FAILURE_;
	for (int i = 0; i < nr; i++)
		fds[i] = -1;
	/* every file is checked before any is touched */
	for (int i = 0; i < nr && rc == EXIT_OK; i++)
		rc = open_checked(argv[optind + i], &fds[i]);
	if (rc != EXIT_OK)
		goto out;
	daxpin_pagestate_open(ctx, &ps);
	stop = interrupt_flag_install();
	if (json)
		all = xjson_array();
	for (int i = 0; i < nr && !*stop; i++) {
		const char *path = argv[optind + i];
		struct daxpin_holders *h = NULL;
		struct daxpin_break b;
		int err = daxpin_break_layouts(ctx, fds[i], timeout_ms, stop, ps, &b);

		if (err == -EBUSY) {
			fprintf(stderr, "daxpin break-layouts: %s: already being broken by pid %d (%s); nothing done: see 'daxpin layouts %s'\n",
				path, (int)b.waiters->waiters[0].pid, b.waiters->waiters[0].operation, path);
			daxpin_break_free(&b);
			rc = EXIT_BUSY;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "daxpin break-layouts: %s: cannot start the truncate: %s\n",
				path, strerror(-err));
			rc = EXIT_FAILURE_;
			break;
		}
		if (!b.broken && !b.error)
			h = file_holders(ctx, path);
		if (json)
			xjson_append(all, result_json(path, &b, h));
		else
			print_result(path, &b, h);
		if (exit_of(&b) != EXIT_OK && rc == EXIT_OK)
			rc = exit_of(&b);
		daxpin_holders_free(h);
		daxpin_break_free(&b);
	}
	if (json) {
		json_print(stdout, all);
		json_object_put(all);
	}
out:
	daxpin_pagestate_close(ps);
	for (int i = 0; i < nr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return rc;
}
