// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin watch: a long-running event stream for log pipelines (journald,
 * a collector reading JSON Lines). Device events come from the kernel as
 * they happen; page state, holders and layout-break waiters from a scan
 * every --interval, reported only where they changed. Memory stays
 * bounded: each scan replaces the previous one.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/layouts.h>
#include <daxpin/monitor.h>

#include "builtin.h"
#include "exitcodes.h"
#include "holders_output.h"
#include "interrupt.h"
#include "options.h"
#include "output.h"
#include <daxpin/topology_holders.h>
#include <daxpin/topology_pages.h>

/* The page state of a namespace or dax device, as one scan saw it. */
struct seen_pages {
	char name[64];
	const char *type;	/* "namespace", "daxdev" */
	const char *reason;	/* NULL: counts known (a static string otherwise) */
	uint64_t refs, referenced, pinned, mapped;
	bool mapped_known;
};

struct seen_holder {
	char object[64];
	pid_t pid;
	char comm[64];
	char access[ACCESS_STR_MAX];
};

struct seen_waiter {
	pid_t pid, tid;
	char comm[64];
	char operation[64];
	char wait_fn[64];
	char *file;
	int64_t waited_ms;
};

struct snapshot {
	struct seen_pages *pages;
	size_t nr_pages;
	struct seen_holder *holders;
	size_t nr_holders;
	struct seen_waiter *waiters;
	size_t nr_waiters;
};

struct watch {
	struct daxpin_ctx *ctx;
	bool json;
	unsigned int interval_ms;
	struct daxpin_topology_pages tp;	/* the page-state program, loaded once */
	bool tp_open;
	struct snapshot prev;
	bool holders_complete;
	char holders_reason[256];
};

#define PUSH(array, nr, item)							\
	({									\
		__typeof__(array) grown_ = realloc((array), ((nr) + 1) * sizeof(*(array))); \
		if (!grown_) {							\
			fprintf(stderr, "daxpin watch: out of memory\n");	\
			exit(EXIT_FAILURE_);					\
		}								\
		(array) = grown_;						\
		(array)[(nr)++] = (item);					\
	})

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nr_waiters; i++)
		free(s->waiters[i].file);
	free(s->pages);
	free(s->holders);
	free(s->waiters);
	memset(s, 0, sizeof(*s));
}

/* --- events ---------------------------------------------------------- */

/* RFC 3339 in UTC with milliseconds: what journald and collectors parse */
static void timestamp(char buf[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), 32 - strlen(buf), ".%03ldZ", ts.tv_nsec / 1000000);
}

static struct json_object *event_new(const char *name)
{
	struct json_object *j = xjson_object();
	char ts[32];

	timestamp(ts);
	xjson_add(j, "time", xjson_string(ts));
	xjson_add(j, "event", xjson_string(name));
	return j;
}

/* One event: j as a JSON line, or the time and the text as a human line. */
static void event_emit(const struct watch *w, struct json_object *j, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void event_emit(const struct watch *w, struct json_object *j, const char *fmt, ...)
{
	if (w->json) {
		json_print_line(stdout, j);
	} else {
		char *text, *safe;
		va_list ap;
		int rc;

		va_start(ap, fmt);
		rc = vasprintf(&text, fmt, ap);
		va_end(ap);
		if (rc >= 0) {
			safe = str_escape(text, true);
			printf("%s %s %s\n", json_object_get_string(json_object_object_get(j, "time")),
			       json_object_get_string(json_object_object_get(j, "event")), safe);
			free(safe);
			free(text);
		}
		fflush(stdout);
	}
	json_object_put(j);
}

static struct json_object *count_or_null(bool known, uint64_t v)
{
	return known ? xjson_uint64(v) : NULL;
}

static void emit_pages(const struct watch *w, const struct seen_pages *p,
		       const struct seen_pages *was)
{
	struct json_object *j = event_new("pages"), *prev = NULL;

	xjson_add(j, "object", xjson_string(p->name));
	xjson_add(j, "type", xjson_string(p->type));
	xjson_add(j, "refs", xjson_uint64(p->refs));
	xjson_add(j, "referenced_pages", xjson_uint64(p->referenced));
	xjson_add(j, "pinned_pages", xjson_uint64(p->pinned));
	xjson_add(j, "mapped_pages", count_or_null(p->mapped_known, p->mapped));
	if (was) {
		prev = xjson_object();
		xjson_add(prev, "refs", xjson_uint64(was->refs));
		xjson_add(prev, "referenced_pages", xjson_uint64(was->referenced));
		xjson_add(prev, "pinned_pages", xjson_uint64(was->pinned));
	}
	xjson_add(j, "previous", prev);
	event_emit(w, j, "%s: %" PRIu64 " references, %" PRIu64 " referenced, %" PRIu64 " pinned pages%s",
		   p->name, p->refs, p->referenced, p->pinned, was ? "" : " (first seen)");
}

static void emit_object_gone(const struct watch *w, const char *event,
			     const struct seen_pages *p, const char *reason)
{
	struct json_object *j = event_new(event);

	xjson_add(j, "object", xjson_string(p->name));
	xjson_add(j, "type", xjson_string(p->type));
	if (reason)
		xjson_add(j, "reason", xjson_string(reason));
	event_emit(w, j, "%s%s%s", p->name, reason ? ": " : "", reason ? reason : "");
}

static void emit_holder(const struct watch *w, const struct seen_holder *h, const char *action)
{
	struct json_object *j = event_new("holder");

	xjson_add(j, "action", xjson_string(action));
	xjson_add(j, "object", xjson_string(h->object));
	xjson_add(j, "pid", xjson_int(h->pid));
	xjson_add(j, "comm", xjson_string(h->comm));
	xjson_add(j, "access", xjson_string(h->access));
	event_emit(w, j, "%s: pid %d (%s) %s, access %s", h->object, (int)h->pid, h->comm,
		   action, h->access);
}

static void emit_waiter(const struct watch *w, const struct seen_waiter *s, const char *action)
{
	struct json_object *j = event_new("layout-waiter");

	xjson_add(j, "action", xjson_string(action));
	xjson_add(j, "pid", xjson_int(s->pid));
	xjson_add(j, "tid", xjson_int(s->tid));
	xjson_add(j, "comm", xjson_string(s->comm));
	xjson_add(j, "operation", xjson_string(s->operation));
	xjson_add(j, "wait_function", xjson_string(s->wait_fn));
	xjson_add(j, "file", xjson_string(s->file));
	xjson_add(j, "waited_ms", s->waited_ms >= 0 ? xjson_int(s->waited_ms) : NULL);
	event_emit(w, j, "pid %d (%s) %s: %s %s in %s", (int)s->pid, s->comm, action,
		   s->operation, s->file ? s->file : "(unknown file)", s->wait_fn);
}

static void emit_device(const struct watch *w, const struct daxpin_device_event *ev)
{
	struct json_object *j = event_new("device");
	const char *action = daxpin_device_action_name(ev->action);
	const char *kind = daxpin_device_kind_name(ev->kind);

	xjson_add(j, "action", xjson_string(action));
	xjson_add(j, "kind", xjson_string(kind));
	xjson_add(j, "object", xjson_string(ev->name));
	event_emit(w, j, "%s %s %s", kind, ev->name, action);
}

static void emit_error(const struct watch *w, const char *what, int err)
{
	struct json_object *j = event_new("error");

	xjson_add(j, "reason", xjson_string(what));
	xjson_add(j, "errno", xjson_string(strerror(-err)));
	event_emit(w, j, "%s: %s; trying again at the next scan", what, strerror(-err));
}

/* --- one scan -------------------------------------------------------- */

static void pages_add(struct snapshot *s, const struct daxpin_object_pages *p, const char *name,
		      const char *type)
{
	struct seen_pages sp = { .type = type, .reason = p->reason };

	snprintf(sp.name, sizeof(sp.name), "%s", name);
	if (!p->reason) {
		sp.refs = p->counts.refs;
		sp.referenced = p->counts.referenced_pages;
		sp.pinned = p->counts.pinned_pages;
		sp.mapped_known = p->counts.mapped_known;
		sp.mapped = p->counts.mapped_pages;
	}
	PUSH(s->pages, s->nr_pages, sp);
}

static void holders_add(struct snapshot *s, const struct daxpin_target_holders *t,
			const char *name)
{
	for (size_t i = 0; t && i < t->nr_holders; i++) {
		struct seen_holder h = { .pid = t->holders[i].proc->pid };

		snprintf(h.object, sizeof(h.object), "%s", name);
		snprintf(h.comm, sizeof(h.comm), "%s", t->holders[i].proc->comm);
		access_str(t->holders[i].access, h.access);
		PUSH(s->holders, s->nr_holders, h);
	}
}

/* A namespace or dax device: its page state (if it has struct pages) and holders. */
static void object_add(struct snapshot *s, const struct daxpin_object_pages *p,
		       const struct daxpin_target_holders *t, const char *name, const char *type)
{
	if (p)
		pages_add(s, p, name, type);
	holders_add(s, t, name);
}

/* Every namespace and dax device of a topology, with its name and type. */
static void objects_add(struct snapshot *s, const struct daxpin_topology *t)
{
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			const struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			object_add(s, ns->pages, ns->holders, ns->dev, "namespace");
			for (size_t k = 0; k < ns->nr_daxdevs; k++)
				object_add(s, ns->daxdevs[k].pages, ns->daxdevs[k].holders,
					   ns->daxdevs[k].dev, "daxdev");
		}
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs; k++) {
			const struct daxpin_daxdev *d = &t->dax_regions[i].daxdevs[k];

			object_add(s, d->pages, d->holders, d->dev, "daxdev");
		}
}

static void waiters_add(struct snapshot *s, const struct daxpin_layouts *l)
{
	for (size_t i = 0; i < l->nr_waiters; i++) {
		const struct daxpin_layout_waiter *lw = &l->waiters[i];
		struct seen_waiter sw = { .pid = lw->pid, .tid = lw->tid,
					  .waited_ms = lw->waited_ns >= 0 ? lw->waited_ns / 1000000 : -1 };

		snprintf(sw.comm, sizeof(sw.comm), "%s", lw->comm);
		snprintf(sw.operation, sizeof(sw.operation), "%s", lw->operation);
		snprintf(sw.wait_fn, sizeof(sw.wait_fn), "%s", lw->wait_fn);
		if (lw->path && !(sw.file = strdup(lw->path))) {
			fprintf(stderr, "daxpin watch: out of memory\n");
			exit(EXIT_FAILURE_);
		}
		PUSH(s->waiters, s->nr_waiters, sw);
	}
}

/*
 * Page state, holders and waiters now. A device that goes while it is
 * scanned fails the scan: an error event, and the next scan tries again.
 */
static int scan(struct watch *w, struct snapshot *s)
{
	struct daxpin_topology *t;
	struct daxpin_topology_holders th;
	struct daxpin_layouts *l;
	int rc = daxpin_topology_scan(w->ctx, &t);

	if (rc < 0) {
		emit_error(w, "cannot read the persistent-memory topology (a device may have gone while it was read)", rc);
		return rc;
	}
	rc = w->tp_open ? daxpin_topology_pages_rescan(&w->tp, t) : daxpin_topology_pages_scan(w->ctx, t, &w->tp);
	w->tp_open = true;
	if (rc == -ENOMEM) {
		fprintf(stderr, "daxpin watch: out of memory\n");
		exit(EXIT_FAILURE_);
	}
	rc = daxpin_topology_holders_scan(w->ctx, t, 10000, DAXPIN_HOLDERS_NO_PIDFD, &th);
	if (rc < 0) {
		emit_error(w, "cannot scan for holders", rc);
		daxpin_topology_free(t);
		return rc;
	}
	w->holders_complete = th.h->complete;
	snprintf(w->holders_reason, sizeof(w->holders_reason), "%s",
		 th.h->reason ? th.h->reason : "");
	objects_add(s, t);
	daxpin_topology_holders_free(&th);
	daxpin_topology_free(t);
	rc = daxpin_layouts_scan(w->ctx, NULL, 0, &l);
	if (rc < 0) {
		emit_error(w, "cannot scan for layout-break waiters", rc);
		return rc;
	}
	waiters_add(s, l);
	daxpin_layouts_free(l);
	return 0;
}

/* --- what changed ---------------------------------------------------- */

static const struct seen_pages *pages_find(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nr_pages; i++)
		if (strcmp(s->pages[i].name, name) == 0)
			return &s->pages[i];
	return NULL;
}

static bool holder_in(const struct snapshot *s, const struct seen_holder *h)
{
	for (size_t i = 0; i < s->nr_holders; i++)
		if (s->holders[i].pid == h->pid && strcmp(s->holders[i].object, h->object) == 0)
			return true;
	return false;
}

static bool waiter_in(const struct snapshot *s, const struct seen_waiter *sw)
{
	for (size_t i = 0; i < s->nr_waiters; i++)
		if (s->waiters[i].pid == sw->pid && s->waiters[i].tid == sw->tid)
			return true;
	return false;
}

static bool counts_differ(const struct seen_pages *a, const struct seen_pages *b)
{
	return a->refs != b->refs || a->referenced != b->referenced || a->pinned != b->pinned;
}

static void diff(const struct watch *w, const struct snapshot *prev, const struct snapshot *next)
{
	for (size_t i = 0; i < next->nr_pages; i++) {
		const struct seen_pages *p = &next->pages[i], *was = pages_find(prev, p->name);
		bool was_known = was && !was->reason;

		if (!p->reason && (was_known ? counts_differ(p, was) :
				   p->refs || p->referenced || p->pinned))
			emit_pages(w, p, was_known ? was : NULL);
		else if (p->reason && was_known)
			emit_object_gone(w, "unreadable", p, p->reason);
	}
	for (size_t i = 0; i < prev->nr_pages; i++)
		if (!pages_find(next, prev->pages[i].name))
			emit_object_gone(w, "vanished", &prev->pages[i], NULL);
	for (size_t i = 0; i < prev->nr_holders; i++)
		if (!holder_in(next, &prev->holders[i]))
			emit_holder(w, &prev->holders[i], "left");
	for (size_t i = 0; i < next->nr_holders; i++)
		if (!holder_in(prev, &next->holders[i]))
			emit_holder(w, &next->holders[i], "appeared");
	for (size_t i = 0; i < prev->nr_waiters; i++)
		if (!waiter_in(next, &prev->waiters[i]))
			emit_waiter(w, &prev->waiters[i], "finished");
	for (size_t i = 0; i < next->nr_waiters; i++)
		if (!waiter_in(prev, &next->waiters[i]))
			emit_waiter(w, &next->waiters[i], "appeared");
}

static void emit_start(const struct watch *w)
{
	struct json_object *j = event_new("start");

	xjson_add(j, "interval_ms", xjson_uint64(w->interval_ms));
	xjson_add(j, "page_state", xjson_bool(!w->tp.reason));
	xjson_add(j, "page_state_reason", xjson_string(w->tp.reason));
	xjson_add(j, "holders_complete", xjson_bool(w->holders_complete));
	xjson_add(j, "holders_reason", w->holders_complete ? NULL : xjson_string(w->holders_reason));
	event_emit(w, j, "scanning every %.1f s; page state %s%s%s%s", w->interval_ms / 1000.0,
		   w->tp.reason ? "unavailable: " : "available",
		   w->tp.reason ? w->tp.reason : "",
		   w->holders_complete ? "" : "; holders partial: ",
		   w->holders_complete ? "" : w->holders_reason);
}

static void emit_end(const struct watch *w, int sig)
{
	struct json_object *j = event_new("end");
	const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";

	xjson_add(j, "signal", xjson_string(name));
	event_emit(w, j, "%s", name);
}

/* --- the loop -------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void scan_and_report(struct watch *w, bool first)
{
	struct snapshot next = { 0 };

	if (scan(w, &next) < 0) {
		snapshot_free(&next);
		return;
	}
	if (first)
		emit_start(w);
	diff(w, &w->prev, &next);
	snapshot_free(&w->prev);
	w->prev = next;
}

static int watch_loop(struct watch *w, struct daxpin_monitor *mon, int sigfd)
{
	struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN },
				 { .fd = daxpin_monitor_get_fd(mon), .events = POLLIN } };
	uint64_t next_scan = now_ms();
	bool first = true;

	for (;;) {
		uint64_t now = now_ms();
		int sig;

		if (now >= next_scan) {
			scan_and_report(w, first);
			first = false;
			next_scan = now_ms() + w->interval_ms;
			continue;
		}
		if (poll(pfd, 2, (int)(next_scan - now)) < 0 && errno != EINTR) {
			fprintf(stderr, "daxpin watch: poll: %s\n", strerror(errno));
			return EXIT_FAILURE_;
		}
		sig = interrupt_signal(sigfd);
		if (sig) {
			emit_end(w, sig);
			return EXIT_OK;
		}
		if (pfd[1].revents & POLLIN) {
			struct daxpin_device_event ev;

			while (daxpin_monitor_receive(mon, &ev) == 0)
				emit_device(w, &ev);
		}
	}
}

static const struct command_option watch_options[] = {
	{ 'i', "interval", "SECONDS", "between scans (default 5; at least 0.1)" },
	{ 'J', "json", NULL, "JSON Lines: one event a line, flushed" },
};

static const struct command_spec watch_command = {
	.name = "watch",
	.usage = "daxpin watch [OPTIONS]\n\n"
		"Report, as they happen, persistent-memory devices added, removed, enabled\n"
		"and disabled, and, from a scan every interval, changes of each namespace's\n"
		"and dax device's referenced and pinned pages, holders appearing and leaving,\n"
		"and threads entering and leaving a layout break. Runs until SIGINT or\n"
		"SIGTERM. Page state needs root; holders are partial without it.",
	.options = watch_options,
	.nr_options = ARRAY_SIZE(watch_options),
	.exit_status = "0 ended by SIGINT or SIGTERM, 1 failure, 2 usage.",
};

int cmd_watch(int argc, char **argv, struct daxpin_ctx *ctx)
{
	struct watch w = { .ctx = ctx, .interval_ms = 5000 };
	struct daxpin_monitor *mon;
	int c, rc, sigfd;

	while ((c = command_option(&watch_command, NULL, argc, argv)) > 0) {
		switch (c) {
		case 'i':
			if (option_duration("watch", "interval", optarg, 100, &w.interval_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'J': w.json = true; break;
		}
	}
	if (c < 0)
		return -1 - c;
	if (optind < argc) {
		error_line("daxpin watch: unexpected argument '%s'; watch takes options only",
			   argv[optind]);
		return EXIT_USAGE;
	}
	sigfd = interrupt_fd_open();
	if (sigfd < 0) {
		fprintf(stderr, "daxpin watch: cannot catch SIGINT and SIGTERM: %s\n", strerror(errno));
		return EXIT_FAILURE_;
	}
	/* each round: the page state, the holders and their pages' owners */
	daxpin_set_scans(ctx, DAXPIN_SCAN_PAGES | DAXPIN_SCAN_HOLDERS | DAXPIN_SCAN_OWNERS);
	rc = daxpin_monitor_new(ctx, &mon);
	if (rc < 0) {
		fprintf(stderr, "daxpin watch: cannot receive the kernel's device events: %s\n",
			strerror(-rc));
		close(sigfd);
		return rc == -EPERM || rc == -EACCES ? EXIT_PERMISSION : EXIT_FAILURE_;
	}
	rc = watch_loop(&w, mon, sigfd);
	snapshot_free(&w.prev);
	if (w.tp_open)
		daxpin_topology_pages_free(&w.tp);
	daxpin_monitor_free(mon);
	close(sigfd);
	return rc;
}
