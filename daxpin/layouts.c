// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin layouts [TARGET...]: the threads asleep in a filesystem-DAX layout
 * break, what they break and since when; --wait blocks until there are
 * none (and, as root, no page of a named file is referenced).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/filepages.h>

#include "builtin.h"
#include "exitcodes.h"
#include "interrupt.h"
#include "layouts_output.h"
#include "options.h"


/* How WAITED is measured, for --json and the man page. */
static const char waited_how[] =
	"scheduler clock since the thread last ran (se.exec_start in /proc/PID/task/TID/sched): a lower bound";

enum {
	COL_PID,
	COL_TID,
	COL_COMMAND,
	COL_STATE,
	COL_WAIT,
	COL_OPERATION,
	COL_FILE,
	COL_DEVINO,
	COL_SOURCE,
	COL_WAITED,
	COL_REFS,
	COL_OWNERS,
};

static const struct column layouts_columns[] = {
	[COL_PID] = { "PID", 6, SCOLS_FL_RIGHT, "process id" },
	[COL_TID] = { "TID", 6, SCOLS_FL_RIGHT, "the waiting thread" },
	[COL_COMMAND] = { "COMMAND", 0.1, 0, "thread name" },
	[COL_STATE] = { "STATE", 1, 0, "S interruptible (a signal ends the wait), D uninterruptible (eviction on 6.15+)" },
	[COL_WAIT] = { "WAIT", 0.2, 0, "kernel function it sleeps in (stack as root, else wchan)" },
	[COL_OPERATION] = { "OPERATION", 0.2, 0, "what breaks the layout (from /proc/PID/syscall)" },
	[COL_FILE] = { "FILE", 0.3, 0, "the file whose layout is being broken, as the waiter sees it" },
	[COL_DEVINO] = { "DEV:INO", 0.1, 0, "device and inode of FILE" },
	[COL_SOURCE] = { "SOURCE", 0.1, 0, "how FILE was found: the syscall's fd, or its path argument" },
	[COL_WAITED] = { "WAITED", 6, SCOLS_FL_RIGHT, "asleep for at least this long (since it last ran)" },
	[COL_REFS] = { "REFS", 4, SCOLS_FL_RIGHT, "referenced pages of FILE, what the break waits for (root)" },
	[COL_OWNERS] = { "OWNERS", 0.3, 0, "who holds those pages: pid, command, pipe or io_uring fd (root)" },
};

static const int layouts_default_columns[] = {
	COL_PID, COL_COMMAND, COL_STATE, COL_WAIT, COL_OPERATION, COL_FILE,
	COL_WAITED, COL_REFS, COL_OWNERS,
};

static void add(struct json_object *obj, const char *key, struct json_object *val)
{
	xjson_add(obj, key, val);
}

static struct json_object *string_or_null(const char *s)
{
	return s ? xjson_string(s) : NULL;
}

static struct json_object *stack_to_json(const char *stack)
{
	struct json_object *a = xjson_array();

	while (*stack) {
		size_t len = strcspn(stack, "\n");

		xjson_append(a, json_object_new_string_len(stack, (int)len));
		stack += len + (stack[len] == '\n');
	}
	return a;
}

struct json_object *waiter_to_json(const struct daxpin_layout_waiter *w)
{
	struct json_object *j = xjson_object();
	char devino[64];

	add(j, "pid", xjson_int(w->pid));
	add(j, "tid", xjson_int(w->tid));
	add(j, "comm", xjson_string(w->comm));
	add(j, "state", json_object_new_string_len(&w->state, 1));
	add(j, "wait_function", xjson_string(w->wait_fn));
	add(j, "wait_source", xjson_string(w->wait_source));
	add(j, "stack", w->stack ? stack_to_json(w->stack) : NULL);
	if (!w->stack)
		add(j, "stack_reason", xjson_string("the kernel stack is shown to root only"));
	add(j, "syscall", w->syscall_nr >= -1 ? xjson_int(w->syscall_nr) : NULL);
	add(j, "operation", xjson_string(w->operation));
	add(j, "file", string_or_null(w->path));
	snprintf(devino, sizeof(devino), "%u:%u", major(w->dev), minor(w->dev));
	add(j, "dev", w->file_known ? xjson_string(devino) : NULL);
	add(j, "ino", w->file_known ? xjson_uint64(w->ino) : NULL);
	add(j, "file_source", w->file_source[0] ? xjson_string(w->file_source) : NULL);
	if (!w->file_known)
		add(j, "file_reason", string_or_null(w->file_reason));
	add(j, "waited_ms", w->waited_ns >= 0 ? xjson_int(w->waited_ns / 1000000) : NULL);
	add(j, "waited_how", xjson_string(waited_how));
	return j;
}

struct json_object *waiters_to_json(const struct daxpin_layouts *l,
				    const struct waiter_pages *wp)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < l->nr_waiters; i++) {
		struct json_object *j = waiter_to_json(&l->waiters[i]);

		if (wp)
			waiter_pages_to_json(j, &wp[i]);
		xjson_append(a, j);
	}
	return a;
}

static char *duration_str(int64_t ns)
{
	char *s = NULL;
	int rc;

	if (ns < 0)
		return NULL;
	if (ns < 60 * 1000000000LL)
		rc = asprintf(&s, "%.1fs", (double)ns / 1e9);
	else if (ns < 3600 * 1000000000LL)
		rc = asprintf(&s, "%lldm%02llds", (long long)(ns / 60000000000LL),
			      (long long)(ns / 1000000000LL % 60));
	else
		rc = asprintf(&s, "%lldh%02lldm", (long long)(ns / 3600000000000LL),
			      (long long)(ns / 60000000000LL % 60));
	return rc < 0 ? NULL : s;
}

/* a line of the table: a waiter and the page state of its file */
struct waiter_row {
	const struct daxpin_layout_waiter *w;
	const struct waiter_pages *wp;
};

static char *cell(int col, const void *r)
{
	const struct waiter_row *row = r;
	const struct daxpin_layout_waiter *w = row->w;
	const struct waiter_pages *wp = row->wp;
	char *s = NULL;
	int rc = 0;

	switch (col) {
	case COL_PID:
		rc = asprintf(&s, "%d", (int)w->pid);
		break;
	case COL_TID:
		rc = asprintf(&s, "%d", (int)w->tid);
		break;
	case COL_COMMAND:
		return strdup(w->comm);
	case COL_STATE:
		rc = asprintf(&s, "%c", w->state);
		break;
	case COL_WAIT:
		return strdup(w->wait_fn);
	case COL_OPERATION:
		return strdup(w->operation);
	case COL_FILE:
		return strdup(w->path ? w->path : w->file_known ? "?" : "unknown");
	case COL_DEVINO:
		if (!w->file_known)
			return NULL;
		rc = asprintf(&s, "%u:%u:%ju", major(w->dev), minor(w->dev), (uintmax_t)w->ino);
		break;
	case COL_SOURCE:
		return w->file_source[0] ? strdup(w->file_source) : NULL;
	case COL_WAITED:
		return duration_str(w->waited_ns);
	case COL_REFS:
		return wp ? waiter_pages_refs_cell(wp) : NULL;
	case COL_OWNERS:
		return wp ? waiter_pages_owners_cell(wp) : NULL;
	}
	return rc < 0 ? NULL : s;
}

int waiters_print_table(const struct daxpin_layouts *l, const struct waiter_pages *wp,
			const struct table_options *o, const struct column_selection *sel)
{
	struct libscols_table *tb = table_new(o, layouts_columns, sel);
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < l->nr_waiters && !rc; i++)
		rc = table_add_line(tb, NULL, sel, cell,
				    &(struct waiter_row){ &l->waiters[i], wp ? &wp[i] : NULL }, NULL);
	if (!rc)
		scols_print_table(tb);
	scols_unref_table(tb);
	return rc;
}

int waiters_columns_select(const char *cmd, const struct table_options *o,
			   struct column_selection *sel)
{
	return columns_select(cmd, o->output, layouts_columns, ARRAY_SIZE(layouts_columns),
			      layouts_default_columns, ARRAY_SIZE(layouts_default_columns), sel);
}

int layouts_targets(const char *cmd, char **paths, int nr, struct daxpin_target *targets)
{
	for (int i = 0; i < nr; i++) {
		int err = daxpin_target_add_path(&targets[i], paths[i]);

		if (err == -ENOENT) {
			fprintf(stderr, "daxpin %s: no file or mount point '%s'\n", cmd, paths[i]);
			return EXIT_NOT_FOUND;
		}
		if (err < 0) {
			fprintf(stderr, "daxpin %s: %s: %s\n", cmd, paths[i], strerror(-err));
			return err == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
		}
	}
	return EXIT_OK;
}

/* --- --wait ------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The references to the named regular files' pages; -1 when unknown. */
static int64_t files_refs(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
			  const int *fds, int nr)
{
	int64_t sum = 0;

	if (!ps || daxpin_pagestate_reason(ps))
		return -1;
	for (int i = 0; i < nr; i++) {
		struct daxpin_page_counts c;

		if (fds[i] < 0)
			continue;
		if (daxpin_file_pages(ctx, ps, fds[i], &c) < 0)
			return -1;
		/* a pinned page is a referenced one too */
		sum += (int64_t)c.referenced_pages;
	}
	return sum;
}

static void progress_json(uint64_t elapsed, const struct daxpin_layouts *l, int64_t refs,
			  const char *event)
{
	struct json_object *j = xjson_object();

	add(j, "event", xjson_string(event));
	add(j, "elapsed_ms", xjson_uint64(elapsed));
	add(j, "waiters", waiters_to_json(l, NULL));
	add(j, "referenced", refs >= 0 ? xjson_int(refs) : NULL);
	json_print_line(stdout, j);
	json_object_put(j);
}

static int wait_clear(struct daxpin_ctx *ctx, const struct daxpin_target *targets,
		      char **paths, int nr, struct daxpin_pagestate *ps,
		      unsigned int timeout_ms, bool json)
{
	volatile sig_atomic_t *interrupted;
	bool tty = !json && isatty(STDERR_FILENO);
	uint64_t start = now_ms();
	size_t last_waiters = (size_t)-1;
	int64_t last_refs = -2;
	bool warned = false;
	int *fds = calloc((size_t)nr + 1, sizeof(*fds));
	int rc = EXIT_FAILURE_;

	if (!fds)
		return EXIT_FAILURE_;
	/* the named regular files: their pages must be free too */
	for (int i = 0; i < nr; i++) {
		struct stat st;

		fds[i] = -1;
		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	interrupted = interrupt_flag_install();
	for (;;) {
		struct daxpin_layouts *l = NULL;
		uint64_t elapsed = now_ms() - start;
		int64_t refs;
		bool clear;

		if (daxpin_layouts_scan(ctx, nr ? targets : NULL, (size_t)nr, &l) < 0) {
			fprintf(stderr, "daxpin layouts: cannot scan the threads\n");
			break;
		}
		if (!l->complete && !warned) {
			fprintf(stderr, "daxpin layouts: partial: %s\n", l->reason);
			warned = true;
		}
		/* FIEMAP would queue behind a waiting truncate's inode lock */
		refs = l->nr_waiters ? last_refs : files_refs(ctx, ps, fds, nr);
		clear = !l->nr_waiters && refs <= 0;
		if (json && (l->nr_waiters != last_waiters || refs != last_refs || clear))
			progress_json(elapsed, l, refs, clear ? "clear" : "waiting");
		else if (tty && !clear) {
			char refs_text[24] = "unknown";

			if (refs >= 0)
				snprintf(refs_text, sizeof(refs_text), "%" PRId64, refs);
			fprintf(stderr, "\rdaxpin layouts: %zu thread(s) in a layout break, %s referenced page(s), %.1fs ",
				l->nr_waiters, refs_text, (double)elapsed / 1000);
		}
		last_waiters = l->nr_waiters;
		last_refs = refs;
		daxpin_layouts_free(l);
		if (clear) {
			rc = EXIT_OK;
			break;
		}
		if (*interrupted || (timeout_ms && elapsed >= timeout_ms)) {
			rc = *interrupted ? EXIT_INTERRUPTED : EXIT_TIMEOUT;
			if (json) {
				struct daxpin_layouts none = { 0 };

				progress_json(elapsed, &none, refs, *interrupted ? "interrupted" : "timeout");
			}
			break;
		}
		usleep(100 * 1000);
	}
	if (tty)
		fprintf(stderr, "\n");
	if (rc == EXIT_OK && !json)
		printf("no thread waits in a layout break%s\n",
		       last_refs == 0 ? " and no page of the named files is referenced" : "");
	else if (rc == EXIT_TIMEOUT)
		fprintf(stderr, "daxpin layouts: still waiting after %.1f s: see 'daxpin layouts' and 'daxpin holders'\n",
			(double)timeout_ms / 1000);
	for (int i = 0; i < nr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return rc;
}

/* ------------------------------------------------------------------------ */

static const struct command_option layouts_options[] = {
	{ 'J', "json", NULL, "JSON" },
	{ 'o', "output", "LIST", "table columns; +LIST adds to the default" },
	{ 'H', "list-columns", NULL, "describe the columns and exit" },
	{ 'n', "noheadings", NULL, "no header line" },
	{ 'r', "raw", NULL, "raw table" },
	{ 'f', "files", NULL, "as root: the files of each MOUNT with referenced\n"
			      "pages (an unmount on 6.15+ would wait for them)" },
	{ 'w', "wait", NULL, "block until no thread waits on the targets and no\n"
			     "page of a named file is referenced (root)" },
	{ 't', "timeout", "SECONDS", "with --wait: give up after this long (default: never)" },
};

static const struct command_spec layouts_command = {
	.name = "layouts",
	.usage = "daxpin layouts [OPTIONS] [MOUNT|FILE...]\n"
		"       daxpin layouts --files [-J] MOUNT...\n\n"
		"Show the threads waiting in a filesystem-DAX layout break (truncate, hole\n"
		"punch, reflink, and on 6.15+ inode eviction and unmount): the file, the\n"
		"operation, how long, and (root) the file's referenced pages.\n"
		"Without arguments: every waiter.",
	.options = layouts_options,
	.nr_options = ARRAY_SIZE(layouts_options),
	.exit_status = "0 waiters shown (--wait: clear), 10 no waiter, 6 timeout,\n"
		"7 interrupted, 3 unknown target, 2 usage.",
	.columns = layouts_columns,
	.nr_columns = ARRAY_SIZE(layouts_columns),
};

int cmd_layouts(int argc, char **argv, struct daxpin_ctx *ctx)
{
	struct table_options o = { 0 };
	struct column_selection sel;
	struct daxpin_target *targets;
	struct daxpin_pagestate *ps = NULL;
	struct daxpin_layouts *l = NULL;
	struct waiter_pages *wp = NULL;
	unsigned int timeout_ms = 0;
	bool json = false, wait = false, files = false, timeout_given = false, show_pages;
	int c, rc, nr, err;

	while ((c = command_option(&layouts_command, &o, argc, argv)) > 0) {
		switch (c) {
		case 'J': json = true; break;
		case 'w': wait = true; break;
		case 'f': files = true; break;
		case 't':
			if (option_duration("layouts", "timeout", optarg, 0, &timeout_ms) < 0)
				return EXIT_USAGE;
			timeout_given = true;
			break;
		}
	}
	if (c < 0)
		return -1 - c;
	if (waiters_columns_select("layouts", &o, &sel) < 0)
		return EXIT_USAGE;
	/* one rule for every command: an option that shapes an output the command will not print is an error */
	if (json && o.given) {
		fprintf(stderr, "daxpin layouts: -%c is a table option and cannot be combined with -J\n",
			o.given);
		return EXIT_USAGE;
	}
	if (files && wait) {
		fprintf(stderr, "daxpin layouts: --files and --wait do not go together\n");
		return EXIT_USAGE;
	}
	if (timeout_given && !wait) {
		fprintf(stderr, "daxpin layouts: --timeout needs --wait\n");
		return EXIT_USAGE;
	}
	nr = argc - optind;
	targets = calloc((size_t)nr + 1, sizeof(*targets));
	if (!targets)
		return EXIT_FAILURE_;
	rc = layouts_targets("layouts", argv + optind, nr, targets);
	if (rc != EXIT_OK)
		goto out;
	/* per-file page state needs root; without it, unknown and said so */
	if (files)
		daxpin_set_scans(ctx, DAXPIN_SCAN_PAGES | DAXPIN_SCAN_PAGEFILES);
	if (wait || files)
		daxpin_pagestate_open(ctx, &ps);
	if (files) {
		rc = layouts_files(ctx, ps, argv + optind, nr, json, &o);
		goto out;
	}
	if (wait) {
		rc = wait_clear(ctx, targets, argv + optind, nr, ps, timeout_ms, json);
		goto out;
	}
	err = daxpin_layouts_scan(ctx, nr ? targets : NULL, (size_t)nr, &l);
	if (err < 0) {
		fprintf(stderr, "daxpin layouts: cannot scan the threads: %s\n", strerror(-err));
		rc = EXIT_FAILURE_;
		goto out;
	}
	if (!l->complete)
		fprintf(stderr, "daxpin layouts: partial result: %s\n", l->reason);
	/* what the waiters wait for costs a page-state scan: only when shown */
	show_pages = json || columns_selected(&sel, COL_REFS) || columns_selected(&sel, COL_OWNERS);
	if (show_pages && !(wp = waiter_pages_scan(ctx, l))) {
		fprintf(stderr, "daxpin layouts: out of memory\n");
		rc = EXIT_FAILURE_;
		goto out;
	}
	if (json) {
		struct json_object *a = waiters_to_json(l, wp);

		json_print(stdout, a);
		json_object_put(a);
	} else if (l->nr_waiters) {
		if (waiters_print_table(l, wp, &o, &sel) < 0) {
			fprintf(stderr, "daxpin layouts: out of memory\n");
			rc = EXIT_FAILURE_;
			goto out;
		}
	} else {
		printf("no thread waits in a layout break%s\n", l->complete ? "" : " (that this user can see)");
	}
	rc = l->nr_waiters ? EXIT_OK : l->complete ? EXIT_NONE : EXIT_PERMISSION;
out:
	waiter_pages_free(wp, l ? l->nr_waiters : 0);
	daxpin_layouts_free(l);
	daxpin_pagestate_close(ps);
	for (int i = 0; i < nr; i++)
		daxpin_target_clear(&targets[i]);
	free(targets);
	return rc;
}
