// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin drain TARGET...: take dax devices, namespaces or regions out of
 * service once nothing maps, opens or references their pages. The engine
 * is libdaxpin's (daxpin_drain_*); this file parses, renders and maps
 * results to exit codes.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/daxpin.h>
#include <daxpin/drain.h>
#include <daxpin/owners.h>

#include "folio_json.h"
#include "builtin.h"
#include "cxl_targets.h"
#include "exitcodes.h"
#include "memblock_output.h"
#include "holders_output.h"
#include "interrupt.h"
#include "options.h"
#include "output.h"

struct drain_cli {
	bool json;
	bool tty;		/* a live status line on stderr */
	bool status_shown;	/* the status line needs clearing before other output */
	const char *what;	/* the targets, for the status line */
	unsigned int timeout_ms;
};

static void json_line(struct json_object *obj)
{
	json_print_line(stdout, obj);
	json_object_put(obj);
}

static void add_counts(struct json_object *j, const struct daxpin_page_counts *c)
{
	xjson_add(j, "refs", xjson_uint64(c->refs));
	xjson_add(j, "referenced_pages", xjson_uint64(c->referenced_pages));
	xjson_add(j, "pinned_pages", xjson_uint64(c->pinned_pages));
	xjson_add(j, "mapped_pages", c->mapped_known ? xjson_uint64(c->mapped_pages) : NULL);
}

static void status_clear(struct drain_cli *cli)
{
	if (cli->status_shown)
		fputs("\r\033[K", stderr);
	cli->status_shown = false;
}

static void status_show(struct drain_cli *cli, const struct daxpin_drain_event *ev)
{
	const struct daxpin_page_counts *c = ev->pages;

	fprintf(stderr, "\r\033[Kdraining %s: %zu holder%s%s, %" PRIu64 " referenced page%s (%" PRIu64 " refs), %" PRIu64 " pinned, %.1f s",
		cli->what, ev->holders, ev->holders == 1 ? "" : "s",
		ev->holders_complete ? "" : " seen", c->referenced_pages,
		c->referenced_pages == 1 ? "" : "s", c->refs, c->pinned_pages,
		ev->elapsed_ms / 1000.0);
	if (cli->timeout_ms)
		fprintf(stderr, " / %.1f s", cli->timeout_ms / 1000.0);
	fflush(stderr);
	cli->status_shown = true;
}

/* "dax0.0: memory33 offline", "… memory35 will not go offline: 5 referenced" */
static void memblock_line(const struct daxpin_drain_event *ev)
{
	const struct daxpin_memblock *b = ev->memblock;

	printf("%s: memory%lu ", ev->object, b->id);
	if (b->state == DAXPIN_MEMBLOCK_OFFLINE) {
		printf("offline\n");
	} else if (!daxpin_memblock_blocking(b)) {
		printf("%s (%s)\n", daxpin_memblock_state_name(b->state),
		       b->valid_zones ? b->valid_zones : "zone unknown");
	} else {
		const char *sep = ": ";

		printf("will not go offline");
		for (size_t k = 0; k < MEMBLOCK_BLOCKER_KINDS; k++)
			if (memblock_blocker_count(&b->pages, k)) {
				printf("%s%" PRIu64 " %s", sep, memblock_blocker_count(&b->pages, k),
				       memblock_blocker_name(k));
				sep = ", ";
			}
		printf(" page(s)\n");
	}
	fflush(stdout);
}

static void progress_json(const struct daxpin_drain_event *ev)
{
	static const char *const names[] = {
		[DAXPIN_DRAIN_CHECKED] = "progress",
		[DAXPIN_DRAIN_SIGNALLED] = "signal",
		[DAXPIN_DRAIN_RACED] = "raced",
		[DAXPIN_DRAIN_DISABLED] = "disabled",
		[DAXPIN_DRAIN_MEMBLOCK] = "memblock",
	};
	static const struct table_options bytes = {};
	struct json_object *j = xjson_object();
	char access[ACCESS_STR_MAX];

	xjson_add(j, "event", xjson_string(names[ev->kind]));
	xjson_add(j, "elapsed_ms", xjson_uint64(ev->elapsed_ms));
	switch (ev->kind) {
	case DAXPIN_DRAIN_CHECKED:
		xjson_add(j, "holders", xjson_uint64(ev->holders));
		xjson_add(j, "holders_complete", xjson_bool(ev->holders_complete));
		add_counts(j, ev->pages);
		break;
	case DAXPIN_DRAIN_SIGNALLED:
		xjson_add(j, "pid", xjson_int(ev->pid));
		xjson_add(j, "comm", xjson_string(ev->comm));
		xjson_add(j, "signal", xjson_string(ev->signo == SIGKILL ? "SIGKILL" : "SIGTERM"));
		access_str(ev->access, access);
		xjson_add(j, "access", xjson_string(access));
		break;
	case DAXPIN_DRAIN_DISABLED:
		xjson_add(j, "object", xjson_string(ev->object));
		xjson_add(j, "verify_ms", xjson_uint64(ev->verify_ms));
		break;
	case DAXPIN_DRAIN_MEMBLOCK:
		xjson_add(j, "object", xjson_string(ev->object));
		xjson_add(j, "memblock", memblock_to_json(ev->object, ev->memblock, NULL, &bytes));
		break;
	case DAXPIN_DRAIN_RACED:
		break;
	}
	json_line(j);
}

static void progress(const struct daxpin_drain_event *ev, void *arg)
{
	struct drain_cli *cli = arg;

	if (cli->json) {
		progress_json(ev);
		return;
	}
	char access[ACCESS_STR_MAX];

	switch (ev->kind) {
	case DAXPIN_DRAIN_CHECKED:
		if (cli->tty)
			status_show(cli, ev);
		break;
	case DAXPIN_DRAIN_SIGNALLED:
		status_clear(cli);
		access_str(ev->access, access);
		printf("sent %s to %d (%s), access %s\n", ev->signo == SIGKILL ? "SIGKILL" : "SIGTERM",
		       (int)ev->pid, ev->comm, access);
		fflush(stdout);
		break;
	case DAXPIN_DRAIN_DISABLED:
		status_clear(cli);
		printf("%s: disabled\n", ev->object);
		fflush(stdout);
		break;
	case DAXPIN_DRAIN_MEMBLOCK:
		status_clear(cli);
		memblock_line(ev);
		break;
	case DAXPIN_DRAIN_RACED:
		break;
	}
}

static const char *state_name(enum daxpin_drain_state s)
{
	switch (s) {
	case DAXPIN_DRAIN_WAS_DISABLED:
		return "was-disabled";
	case DAXPIN_DRAIN_UNBOUND:
		return "disabled";
	default:
		return "enabled";
	}
}

static struct json_object *busy_json(const struct daxpin_page_counts *c)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < c->nr_busy; i++) {
		xjson_append(a, busy_folio_to_json(&c->busy[i]));
	}
	return a;
}

static struct json_object *object_json(const struct daxpin_drain_object *o)
{
	struct json_object *j = xjson_object();
	bool checked = o->checked && o->state == DAXPIN_DRAIN_BOUND;
	const struct daxpin_target_owners *owners;

	xjson_add(j, "name", xjson_string(o->name));
	xjson_add(j, "type", xjson_string(o->daxdev ? "daxdev" : "namespace"));
	xjson_add(j, "state", xjson_string(state_name(o->state)));
	if (!o->has_pages)
		return j;
	xjson_add(j, "holders", checked && o->holders ? holders_to_json(o->holders) : NULL);
	/* the owners of page references were looked for only while there were any */
	owners = checked && o->holders ? o->holders->owners : NULL;
	xjson_add(j, "unattributed", owners && owners->refs_known ?
				     xjson_uint64(owners->unattributed) : NULL);
	xjson_add(j, "owners_reason", checked && o->owners_reason ?
				      xjson_string(o->owners_reason) : NULL);
	if (checked) {
		add_counts(j, &o->pages);
		xjson_add(j, "busy", busy_json(&o->pages));
	}
	return j;
}

static const char *result_name(int rc)
{
	switch (rc) {
	case EXIT_OK: return "ok";
	case EXIT_BUSY: return "busy";
	case EXIT_TIMEOUT: return "timeout";
	case EXIT_INTERRUPTED: return "interrupted";
	case EXIT_UNSUPPORTED: return "unsupported";
	case EXIT_NOT_FOUND: return "not-found";
	case EXIT_PERMISSION: return "permission";
	default: return "failed";
	}
}

/* how device-dax devices were fenced, NULL if none was */
static const char *fence_name(const struct daxpin_drain *d)
{
	switch (daxpin_drain_fence(d)) {
	case DAXPIN_DRAIN_FENCE_LSM: return "lsm";
	case DAXPIN_DRAIN_FENCE_RENAME: return "rename";
	default: return NULL;
	}
}

/* a CXL region of the targets: disabled by this drain or still enabled */
static struct json_object *cxl_object_json(const struct cxl_targets *ct, size_t i)
{
	struct json_object *j = xjson_object();
	char name[256];

	snprintf(name, sizeof(name), "%s%s", DAXPIN_CXL_TARGET_PREFIX, ct->regions[i]->region);
	xjson_add(j, "name", xjson_string(name));
	xjson_add(j, "type", xjson_string("cxl-region"));
	xjson_add(j, "state", xjson_string(ct->disabled[i] ? "disabled" : "enabled"));
	return j;
}

static void result_json(const struct daxpin_drain *d, const struct cxl_targets *ct,
			int exit_code, const char *reason, bool dry_run)
{
	struct json_object *j = xjson_object(), *a = xjson_array();

	xjson_add(j, "event", xjson_string("result"));
	xjson_add(j, "result", xjson_string(result_name(exit_code)));
	xjson_add(j, "exit_code", xjson_int(exit_code));
	xjson_add(j, "dry_run", xjson_bool(dry_run));
	xjson_add(j, "reason", reason ? xjson_string(reason) : NULL);
	xjson_add(j, "lock_pid", d && daxpin_drain_lock_holder(d) ?
				   xjson_int(daxpin_drain_lock_holder(d)) : NULL);
	xjson_add(j, "fence", d && fence_name(d) ? xjson_string(fence_name(d)) : NULL);
	xjson_add(j, "fence_reason", d && daxpin_drain_fence_reason(d) ?
				       xjson_string(daxpin_drain_fence_reason(d)) : NULL);
	for (size_t i = 0; d && i < daxpin_drain_get_nr_objects(d); i++)
		xjson_append(a, object_json(daxpin_drain_get_object(d, i)));
	for (size_t i = 0; i < ct->nr; i++)
		xjson_append(a, cxl_object_json(ct, i));
	xjson_add(j, "objects", a);
	json_line(j);
}

/* "held by pid N (comm), access fmP: 3 pages in pipe fd 4 (...)" */
static void holder_report(const char *name, const struct daxpin_holder *h)
{
	char access[ACCESS_STR_MAX], ref[160];

	access_str(h->access, access);
	printf("%s: held by pid %d (%s), access %s", name, (int)h->proc->pid, h->proc->comm,
	       access);
	for (size_t i = 0; h->owner && i < h->owner->nr_refs; i++) {
		reference_describe(&h->owner->refs[i], ref, sizeof(ref));
		printf("%s%s", i ? "; " : ": ", ref);
	}
	printf("\n");
}

static bool sysram_object(const struct daxpin_drain_object *o)
{
	return o->daxdev && o->daxdev->driver == DAXPIN_DRIVER_KMEM && o->state == DAXPIN_DRAIN_BOUND;
}

/*
 * System RAM: the owners of the references that kept a block online
 * (looked for while it would not go); memory merely resident there
 * migrates, and holds nothing.
 */
static void sysram_report(const struct daxpin_drain_object *o)
{
	for (size_t i = 0; o->holders && i < o->holders->nr_holders; i++)
		if (o->holders->holders[i].access & ~DAXPIN_ACCESS_RESIDENT)
			holder_report(o->name, &o->holders->holders[i]);
}

/*
 * What still holds one object: processes (reference owners with what they
 * hold), then pages and the first busy folios.
 */
static void object_report(const struct daxpin_drain_object *o)
{
	const struct daxpin_page_counts *c = &o->pages;
	const struct daxpin_target_owners *owners = o->holders ? o->holders->owners : NULL;

	if (sysram_object(o)) {
		sysram_report(o);
		return;
	}
	if (!o->has_pages || !o->checked || o->state != DAXPIN_DRAIN_BOUND)
		return;
	for (size_t i = 0; o->holders && i < o->holders->nr_holders; i++)
		holder_report(o->name, &o->holders->holders[i]);
	if (!c->refs && !c->pinned_pages && !c->mapped_pages)
		return;
	if (owners && owners->refs_known && owners->unattributed)
		printf("%s: %" PRIu64 " page reference%s without a known owner (in-flight I/O, a socket's queued pages, kernel users)\n",
		       o->name, owners->unattributed, owners->unattributed == 1 ? "" : "s");
	if (o->owners_reason)
		printf("%s: owners of page references not searched: %s\n", o->name,
		       o->owners_reason);
	printf("%s: %" PRIu64 " referenced page%s (%" PRIu64 " references), %" PRIu64 " pinned",
	       o->name, c->referenced_pages, c->referenced_pages == 1 ? "" : "s", c->refs,
	       c->pinned_pages);
	if (c->mapped_known)
		printf(", %" PRIu64 " mapped", c->mapped_pages);
	printf("\n");
	if (!c->nr_busy)
		return;
	printf("%s: busy PFNs:", o->name);
	for (size_t i = 0; i < c->nr_busy; i++)
		printf(" %#" PRIx64 "%s(refcount %d)", c->busy[i].pfn,
		       c->busy[i].pinned ? " pinned " : " ", c->busy[i].refcount);
	printf("%s\n", c->busy_folios > c->nr_busy ? " ..." : "");
}

static void result_human(const struct daxpin_drain *d, int exit_code, bool dry_run)
{
	size_t nr = daxpin_drain_get_nr_objects(d);

	/* the fence that dies with the drain is the norm; say when it was not used */
	if (daxpin_drain_fence_reason(d))
		printf("fenced by renaming the device nodes: %s\n", daxpin_drain_fence_reason(d));
	for (size_t i = 0; i < nr; i++) {
		const struct daxpin_drain_object *o = daxpin_drain_get_object(d, i);

		if (o->state == DAXPIN_DRAIN_WAS_DISABLED)
			printf("%s: already disabled, nothing done\n", o->name);
	}
	if (exit_code == EXIT_OK && dry_run) {
		for (size_t i = 0; i < nr; i++)
			if (daxpin_drain_get_object(d, i)->state == DAXPIN_DRAIN_BOUND)
				printf("%s: drainable now\n", daxpin_drain_get_object(d, i)->name);
		return;
	}
	for (size_t i = 0; exit_code != EXIT_OK && i < nr; i++)
		object_report(daxpin_drain_get_object(d, i));
}

static int exit_code_of(int err)
{
	switch (err) {
	case 0: return EXIT_OK;
	case -ENOENT: return EXIT_NOT_FOUND;
	case -EPERM:
	case -EACCES: return EXIT_PERMISSION;
	case -EBUSY: return EXIT_BUSY;
	case -ETIMEDOUT: return EXIT_TIMEOUT;
	case -EINTR: return EXIT_INTERRUPTED;
	case -ENOTSUP: return EXIT_UNSUPPORTED;
	default: return EXIT_FAILURE_;
	}
}

static const struct command_option drain_options[] = {
	{ 't', "timeout", "SECONDS", "give up after this long, changing nothing (default: wait)" },
	{ 'f', "force", NULL, "SIGTERM each holding process, SIGKILL after the grace" },
	{ 'g', "grace", "SECONDS", "with --force: from SIGTERM to SIGKILL (default 10)" },
	{ 'n', "dry-run", NULL, "only say whether it is drainable now" },
	{ 'J', "json", NULL, "JSON Lines: progress events and a result object" },
};

static const struct command_spec drain_command = {
	.name = "drain",
	.usage = "daxpin drain [OPTIONS] TARGET...\n\n"
		"Wait until nothing maps, opens, references or pins TARGET, then disable it:\n"
		"a dax device (dax0.0), a namespace (namespace0.0, pmem0: its dax devices, then\n"
		"itself), a region (region0: every namespace in it), a CXL region (cxl:region1:\n"
		"what it feeds, then cxl disable-region) or a CXL memory device (mem0: each\n"
		"region it is part of, so). Needs root.",
	.options = drain_options,
	.nr_options = ARRAY_SIZE(drain_options),
	.exit_status = "0 drained (or already disabled; dry run: drainable), 5 busy,\n"
		"6 timeout, 7 interrupted, 3 unknown target, 4 permission, 8 unsupported target.",
};

/* Adds an object of the topology; an exit code. */
static int object_add(struct daxpin_drain *d, struct daxpin_object *obj, const char **reason)
{
	int rc = daxpin_drain_add(d, obj);

	if (rc == -EOPNOTSUPP)
		rc = -ENOTSUP;
	if (rc < 0) {
		*reason = daxpin_drain_reason(d) ? daxpin_drain_reason(d) : strerror(-rc);
		return exit_code_of(rc);
	}
	return EXIT_OK;
}

/* What CXL regions ct->regions[first..] feed: their nd regions or dax devices. */
static int cxl_objects_add(struct daxpin_drain *d, const struct daxpin_topology *t,
			   const struct cxl_targets *ct, size_t first, const char **reason)
{
	int rc = EXIT_OK;

	for (size_t i = first; i < ct->nr && rc == EXIT_OK; i++) {
		const struct daxpin_cxl_region *c = ct->regions[i];
		struct daxpin_object obj;

		if (c->nd_region) {
			if (daxpin_topology_lookup(t, c->nd_region->dev, &obj) < 0)
				return EXIT_FAILURE_;
			rc = object_add(d, &obj, reason);
		}
		for (size_t k = 0; !c->nd_region && c->dax_region &&
				   k < c->dax_region->nr_daxdevs && rc == EXIT_OK; k++) {
			obj = (struct daxpin_object){ .daxdev = &c->dax_region->daxdevs[k] };
			rc = object_add(d, &obj, reason);
		}
	}
	return rc;
}

/* Adds each named target; an exit code. */
static int targets_add(struct daxpin_ctx *ctx, struct daxpin_drain *d,
		       const struct daxpin_topology *t, struct cxl_targets *ct,
		       int argc, char **argv, bool json, const char **reason)
{
	static char msg[512];

	for (int i = 0; i < argc; i++) {
		const char *name = strncmp(argv[i], "/dev/", 5) == 0 ? argv[i] + 5 : argv[i];
		struct daxpin_object obj;
		size_t first = 0;
		int rc = cxl_target_resolve(ctx, t, name, ct, &first, reason);

		if (rc < 0)
			return -rc;
		if (rc > 0) {
			if (!json && cxl_target_idle(ct, name))
				printf("%s: %s\n", name, daxpin_cxl_memdev_target(name) ?
				       "part of no enabled CXL region, nothing to drain" :
				       "already disabled, nothing done");
			rc = cxl_objects_add(d, t, ct, first, reason);
			if (rc != EXIT_OK)
				return rc;
			continue;
		}
		if (daxpin_topology_lookup(t, name, &obj) < 0) {
			snprintf(msg, sizeof(msg), "no region, namespace, block device or dax device '%s'; see 'daxpin list'",
				 argv[i]);
			*reason = msg;
			return EXIT_NOT_FOUND;
		}
		rc = object_add(d, &obj, reason);
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	       (uint64_t)((now.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * Disables the CXL regions once all they feed is: a "disabled" event
 * (type cxl-region) or line each; an exit code.
 */
static int cxl_disable(struct daxpin_ctx *ctx, struct cxl_targets *ct, bool json,
		       const struct timespec *t0, const char **reason)
{
	for (size_t i = 0; i < ct->nr; i++) {
		int rc = cxl_target_disable(ctx, ct, i, reason);

		if (rc != EXIT_OK)
			return rc;
		if (json) {
			struct json_object *j = xjson_object();
			char name[256];

			snprintf(name, sizeof(name), "%s%s", DAXPIN_CXL_TARGET_PREFIX,
				 ct->regions[i]->region);
			xjson_add(j, "event", xjson_string("disabled"));
			xjson_add(j, "elapsed_ms", xjson_uint64(ms_since(t0)));
			xjson_add(j, "object", xjson_string(name));
			xjson_add(j, "type", xjson_string("cxl-region"));
			json_line(j);
		} else {
			printf("%s%s: disabled\n", DAXPIN_CXL_TARGET_PREFIX, ct->regions[i]->region);
		}
	}
	return EXIT_OK;
}

static void targets_name(char *buf, size_t size, int argc, char **argv)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", argv[i]);
}

int cmd_drain(int argc, char **argv, struct daxpin_ctx *ctx)
{
	struct daxpin_drain_options opts = { .grace_ms = 10000, .cancel_fd = -1 };
	struct drain_cli cli = { 0 };
	struct daxpin_topology *topo = NULL;
	struct daxpin_drain *d = NULL;
	struct cxl_targets ct = { 0 };
	const char *reason = NULL;
	struct timespec t0 = { 0 };
	bool grace_given = false;
	char what[256];
	int c, rc, err;

	while ((c = command_option(&drain_command, NULL, argc, argv)) > 0) {
		switch (c) {
		case 't':
		case 'g':
			if (option_duration("drain", c == 't' ? "timeout" : "grace", optarg, 0,
					    c == 't' ? &opts.timeout_ms : &opts.grace_ms) < 0)
				return EXIT_USAGE;
			grace_given |= c == 'g';
			break;
		case 'f': opts.flags |= DAXPIN_DRAIN_FORCE; break;
		case 'n': opts.flags |= DAXPIN_DRAIN_DRY_RUN; break;
		case 'J': cli.json = true; break;
		}
	}
	if (c < 0)
		return -1 - c;
	if (optind == argc) {
		fprintf(stderr, "daxpin drain: no target; name a dax device, namespace or region (see 'daxpin list')\n");
		return EXIT_USAGE;
	}
	if (grace_given && !(opts.flags & DAXPIN_DRAIN_FORCE)) {
		fprintf(stderr, "daxpin drain: --grace only applies with --force\n");
		return EXIT_USAGE;
	}
	if ((opts.flags & DAXPIN_DRAIN_FORCE) && (opts.flags & DAXPIN_DRAIN_DRY_RUN)) {
		fprintf(stderr, "daxpin drain: --dry-run changes nothing; it cannot --force\n");
		return EXIT_USAGE;
	}
	targets_name(what, sizeof(what), argc - optind, argv + optind);
	cli.what = what;
	cli.timeout_ms = opts.timeout_ms;
	cli.tty = !cli.json && isatty(STDERR_FILENO);
	opts.progress = progress;
	opts.arg = &cli;
	/* from here a SIGINT or SIGTERM is an event: it leaves the targets unchanged */
	opts.cancel_fd = interrupt_fd_open();
	if (opts.cancel_fd < 0) {
		fprintf(stderr, "daxpin drain: cannot catch SIGINT and SIGTERM: %s\n", strerror(errno));
		return EXIT_FAILURE_;
	}

	err = daxpin_topology_scan(ctx, &topo);
	if (err < 0) {
		reason = "cannot read the persistent-memory topology (see DAXPIN_LOG=debug)";
		rc = EXIT_FAILURE_;
		goto out;
	}
	/* the page state, and the holders of what is busy (their owners: rarely) */
	daxpin_set_scans(ctx, DAXPIN_SCAN_PAGES | DAXPIN_SCAN_HOLDERS);
	err = daxpin_drain_new(ctx, topo, &d);
	if (err < 0) {
		reason = strerror(-err);
		rc = EXIT_FAILURE_;
		goto out;
	}
	rc = targets_add(ctx, d, topo, &ct, argc - optind, argv + optind, cli.json, &reason);
	if (rc != EXIT_OK)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = daxpin_drain_run(d, &opts);
	status_clear(&cli);
	rc = exit_code_of(err);
	if (err == -EINTR && interrupt_signal(opts.cancel_fd) == SIGTERM)
		reason = "terminated (SIGTERM); nothing was changed";
	else if (err < 0)
		reason = daxpin_drain_reason(d) ? daxpin_drain_reason(d) : strerror(-err);
	if (!cli.json)
		result_human(d, rc, opts.flags & DAXPIN_DRAIN_DRY_RUN);
	/* a CXL region goes only once all it feeds is drained and disabled */
	if (rc == EXIT_OK && !(opts.flags & DAXPIN_DRAIN_DRY_RUN))
		rc = cxl_disable(ctx, &ct, cli.json, &t0, &reason);
out:
	if (cli.json)
		result_json(d, &ct, rc, reason, opts.flags & DAXPIN_DRAIN_DRY_RUN);
	if (reason && rc != EXIT_OK)
		fprintf(stderr, "daxpin drain: %s\n", reason);
	daxpin_drain_free(d);
	cxl_targets_free(&ct);
	daxpin_topology_free(topo);
	close(opts.cancel_fd);
	return rc;
}
