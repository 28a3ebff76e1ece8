// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin holders TARGET...: which processes map, open or pin a dax device,
 * namespace, block device, DAX filesystem or file. fuser's view (-v is its
 * USER PID ACCESS COMMAND table) found by device and inode, so holders in
 * containers count too.
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daxpin/cxl.h>
#include <daxpin/owners.h>
#include <daxpin/topology_holders.h>

#include "builtin.h"
#include "exitcodes.h"
#include "holders_output.h"
#include "options.h"
#include "output.h"
#include "owners_json.h"

enum {
	COL_TARGET,
	COL_USER,
	COL_UID,
	COL_PID,
	COL_ACCESS,
	COL_COMMAND,
	COL_MAPPED,
	COL_MODE,
	COL_FDS,
	COL_PINNED,
	COL_CGROUP,
	COL_REFS,
};

static const struct column holders_columns[] = {
	[COL_TARGET] = { "TARGET", 0.1, 0, "the target as given on the command line" },
	[COL_USER] = { "USER", 0.1, 0, "user name of the holder's effective uid" },
	[COL_UID] = { "UID", 5, SCOLS_FL_RIGHT, "effective uid" },
	[COL_PID] = { "PID", 6, SCOLS_FL_RIGHT, "process id" },
	[COL_ACCESS] = { "ACCESS", 6, 0, "m mapped, f open, c cwd, r root, e executable, p pinned memory (hint), P pipe, U io_uring, R RDMA (hint), V VFIO (hint), M memory resident in system RAM" },
	[COL_COMMAND] = { "COMMAND", 0.1, 0, "process name" },
	[COL_MAPPED] = { "MAPPED", 6, SCOLS_FL_RIGHT, "bytes of the target mapped" },
	[COL_MODE] = { "MODE", 5, 0, "how it is mapped: shared/private, rw/ro" },
	[COL_FDS] = { "FDS", 3, SCOLS_FL_RIGHT, "open file descriptors on the target" },
	[COL_PINNED] = { "PINNED", 6, SCOLS_FL_RIGHT, "the process's pinned memory (VmPin)" },
	[COL_CGROUP] = { "CGROUP", 0.3, SCOLS_FL_TRUNC, "cgroup (names the container or Kubernetes pod)" },
	[COL_REFS] = { "REFS", 4, SCOLS_FL_RIGHT, "page references it owns through pipes and io_uring buffers" },
};

static const int holders_default_columns[] = {
	COL_TARGET, COL_USER, COL_PID, COL_ACCESS, COL_COMMAND, COL_MAPPED,
	COL_CGROUP,
};

enum holders_format { FORMAT_CONCISE, FORMAT_TABLE, FORMAT_JSON, FORMAT_PIDS };

struct holders_options {
	struct table_options table;
	enum holders_format format;
	unsigned int timeout_ms;
	unsigned int scan_flags;	/* enum daxpin_holders_flags */
	bool no_owners;		/* skip the reference-owners scan */
};

void access_str(unsigned int access, char buf[ACCESS_STR_MAX])
{
	/* fuser prints c e f F r m; F (open for writing) has no meaning here */
	static const struct {
		unsigned int bit;
		char letter;
	} letters[] = {
		{ DAXPIN_ACCESS_CWD, 'c' }, { DAXPIN_ACCESS_EXE, 'e' },
		{ DAXPIN_ACCESS_FD, 'f' }, { DAXPIN_ACCESS_ROOT, 'r' },
		{ DAXPIN_ACCESS_MAP, 'm' }, { DAXPIN_ACCESS_PIN, 'p' },
		/* reference owners: capitals, fuser has none */
		{ DAXPIN_ACCESS_PIPE, 'P' }, { DAXPIN_ACCESS_IO_URING, 'U' },
		{ DAXPIN_ACCESS_RDMA_HINT, 'R' }, { DAXPIN_ACCESS_VFIO_HINT, 'V' },
		{ DAXPIN_ACCESS_RESIDENT, 'M' },
	};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(letters); i++)
		if (access & letters[i].bit)
			buf[n++] = letters[i].letter;
	buf[n] = '\0';
}

/*
 * The user name of a uid, remembered: thousands of holders usually share a
 * few uids, and each getpwuid() may read the whole passwd database.
 */
static const char *user_name(uid_t uid)
{
	static struct {
		uid_t uid;
		char name[64];
	} memo[16];
	static size_t nr;
	struct passwd *pw;
	size_t i;

	for (i = 0; i < nr; i++)
		if (memo[i].uid == uid)
			return memo[i].name;
	i = nr < ARRAY_SIZE(memo) ? nr++ : uid % ARRAY_SIZE(memo);
	pw = getpwuid(uid);
	memo[i].uid = uid;
	if (pw)
		snprintf(memo[i].name, sizeof(memo[i].name), "%s", pw->pw_name);
	else
		snprintf(memo[i].name, sizeof(memo[i].name), "%u", (unsigned int)uid);
	return memo[i].name;
}

static void add(struct json_object *obj, const char *key, struct json_object *val)
{
	xjson_add(obj, key, val);
}

/* The page references a holder owns exactly (hints own no known number). */
static uint64_t owned_pages(const struct daxpin_owner *ow)
{
	uint64_t pages = 0;

	for (size_t i = 0; ow && i < ow->nr_refs; i++)
		pages += ow->refs[i].pages;
	return pages;
}

struct json_object *holders_to_json(const struct daxpin_target_holders *th)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < th->nr_holders; i++) {
		const struct daxpin_holder *h = &th->holders[i];
		const struct daxpin_process *p = h->proc;
		struct json_object *j = xjson_object();
		char access[ACCESS_STR_MAX];

		access_str(h->access, access);
		add(j, "pid", xjson_int(p->pid));
		add(j, "comm", xjson_string(p->comm));
		add(j, "uid", xjson_int(p->uid));
		add(j, "user", xjson_string(user_name(p->uid)));
		add(j, "cgroup", p->cgroup ? xjson_string(p->cgroup) : NULL);
		add(j, "access", xjson_string(access));
		add(j, "mapped_bytes", xjson_uint64(h->mapped_bytes));
		add(j, "shared", xjson_bool(h->shared));
		add(j, "writable", xjson_bool(h->writable));
		add(j, "fds", xjson_int((int)h->fds));
		add(j, "vm_pinned_bytes", xjson_uint64(p->vm_pinned_bytes));
		if (th->owners)
			add(j, "references", references_to_json(h->owner));
		xjson_append(a, j);
	}
	return a;
}

/* the kernel's own pages in system RAM, which no process can let go */
static void unmovable_print(const struct daxpin_unmovable_pages *u)
{
	const struct { const char *name; uint64_t n; } kinds[] = {
		{ "slab", u->slab }, { "page tables", u->page_tables },
		{ "reserved", u->reserved }, { "kernel", u->kernel },
	};
	const char *sep = " (unmovable kernel pages no process holds: ";

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].n) {
			printf("%s%" PRIu64 " %s", sep, kinds[i].n, kinds[i].name);
			sep = ", ";
		}
	if (strcmp(sep, ", ") == 0)
		printf(")");
}

static struct json_object *unmovable_to_json(const struct daxpin_unmovable_pages *u)
{
	struct json_object *j = xjson_object();

	add(j, "slab", xjson_uint64(u->slab));
	add(j, "page_tables", xjson_uint64(u->page_tables));
	add(j, "reserved", xjson_uint64(u->reserved));
	add(j, "kernel", xjson_uint64(u->kernel));
	return j;
}

/*
 * The owners part of a target: each holder's "references" (null with a
 * reason when owners were not searched) and the "unattributed" references.
 */
static void owners_to_json(struct json_object *j, const struct daxpin_holders *h,
			   const struct daxpin_target_holders *th)
{
	const struct daxpin_target_owners *to = th->owners;
	const char *reason = !h->owners ? "not searched (--no-owners or --no-bpf)" :
			     h->owners->reason ? h->owners->reason :
			     to->refs_known ? NULL :
			     h->owners->refs_reason ? h->owners->refs_reason :
			     "a single file's pages are not looked up: name its mount point";
	struct json_object *holders = json_object_object_get(j, "holders");

	for (size_t i = 0; !to && i < json_object_array_length(holders); i++) {
		struct json_object *hj = json_object_array_get_idx(holders, i);

		add(hj, "references", NULL);
		add(hj, "references_reason", xjson_string(reason));
	}
	add(j, "unattributed", to && to->refs_known ? xjson_uint64(to->unattributed) : NULL);
	if (!to || !to->refs_known)
		add(j, "unattributed_reason", reason ? xjson_string(reason) : NULL);
	add(j, "unmovable", to && to->unmovable_known ? unmovable_to_json(&to->unmovable) : NULL);
}

static void print_json(char **names, const struct daxpin_holders *h)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < h->nr_targets; i++) {
		struct json_object *j = xjson_object();

		add(j, "target", xjson_string(names[i]));
		add(j, "holders", holders_to_json(&h->targets[i]));
		owners_to_json(j, h, &h->targets[i]);
		add(j, "complete", xjson_bool(h->complete));
		add(j, "reason", h->reason ? xjson_string(h->reason) : NULL);
		xjson_append(a, j);
	}
	json_print(stdout, a);
	json_object_put(a);
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Every holding pid once, whichever targets it holds, for xargs and kill. */
static void print_pids(const struct daxpin_holders *h)
{
	pid_t *pids = calloc(h->nr_procs ? h->nr_procs : 1, sizeof(*pids));

	if (!pids)
		return;
	for (size_t i = 0; i < h->nr_procs; i++)
		pids[i] = h->procs[i].pid;
	qsort(pids, h->nr_procs, sizeof(*pids), pid_cmp);
	for (size_t i = 0; i < h->nr_procs; i++)
		printf("%d\n", (int)pids[i]);
	free(pids);
}

/* fuser's default: "NAME: PIDaccess PIDaccess ...", one line per target whatever its name */
static void print_concise(char **names, const struct daxpin_holders *h)
{
	for (size_t i = 0; i < h->nr_targets; i++) {
		const struct daxpin_target_holders *th = &h->targets[i];
		char *name = str_escape(names[i], true);

		printf("%s:", name);
		free(name);
		for (size_t j = 0; j < th->nr_holders; j++) {
			char access[ACCESS_STR_MAX];

			access_str(th->holders[j].access, access);
			printf(" %d%s", (int)th->holders[j].proc->pid, access);
		}
		if (!th->nr_holders)
			printf(h->complete ? " no holders" : " no holders seen");
		if (th->owners && th->owners->refs_known && th->owners->unattributed)
			printf(th->owners->unmovable_known ?
			       " (%" PRIu64 " referenced pages without a known owner)" :
			       " (%" PRIu64 " page references without a known owner)",
			       th->owners->unattributed);
		if (th->owners && th->owners->unmovable_known)
			unmovable_print(&th->owners->unmovable);
		printf("\n");
	}
}

/* a line of the table: a holder of a target */
struct holder_row {
	const char *target;
	const struct daxpin_holder *hd;
	const struct holders_options *o;
};

static char *cell(int col, const void *r)
{
	const struct holder_row *row = r;
	const char *target = row->target;
	const struct daxpin_holder *hd = row->hd;
	const struct holders_options *o = row->o;
	const struct daxpin_process *p = hd->proc;
	char *s = NULL, access[ACCESS_STR_MAX];
	int rc = 0;

	switch (col) {
	case COL_TARGET:
		return strdup(target);
	case COL_USER:
		return strdup(user_name(p->uid));
	case COL_UID:
		rc = asprintf(&s, "%u", (unsigned int)p->uid);
		break;
	case COL_PID:
		rc = asprintf(&s, "%d", (int)p->pid);
		break;
	case COL_ACCESS:
		access_str(hd->access, access);
		return strdup(access);
	case COL_COMMAND:
		return strdup(p->comm);
	case COL_MAPPED:
		return hd->mapped_bytes ? size_to_str(hd->mapped_bytes, o->table.bytes) : NULL;
	case COL_MODE:
		if (!(hd->access & DAXPIN_ACCESS_MAP))
			return NULL;
		rc = asprintf(&s, "%s,%s", hd->shared ? "shared" : "private",
			      hd->writable ? "rw" : "ro");
		break;
	case COL_FDS:
		rc = asprintf(&s, "%u", hd->fds);
		break;
	case COL_PINNED:
		return p->vm_pinned_bytes ? size_to_str(p->vm_pinned_bytes, o->table.bytes) : NULL;
	case COL_CGROUP:
		return p->cgroup ? strdup(p->cgroup) : NULL;
	case COL_REFS:
		if (!hd->owner)
			return NULL;
		rc = asprintf(&s, "%" PRIu64, owned_pages(hd->owner));
		break;
	}
	return rc < 0 ? NULL : s;
}

static int print_table(char **names, const struct daxpin_holders *h,
		       const struct holders_options *o,
		       const struct column_selection *sel)
{
	struct libscols_table *tb = table_new(&o->table, holders_columns, sel);
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < h->nr_targets && !rc; i++) {
		const struct daxpin_target_holders *th = &h->targets[i];

		for (size_t j = 0; j < th->nr_holders && !rc; j++)
			rc = table_add_line(tb, NULL, sel, cell, &(struct holder_row){
						.target = names[i], .hd = &th->holders[j], .o = o },
					    NULL);
	}
	if (!rc && scols_table_get_nlines(tb) > 0)
		scols_print_table(tb);
	scols_unref_table(tb);
	return rc;
}

/*
 * Names go to the topology, paths to the file system: "dax0.0" and
 * "namespace0.0" are names; "/dev/dax0.0" is a path, and also the name
 * dax0.0 when the node is missing (a container without it). A bare word
 * that names nothing may still be a file in the current directory. A
 * device-dax device needs no topology: without BPF its number is all the
 * scan looks for (the owners' scan reads the topology for its pages).
 */
/* The topology, read once at the first name (or never); error: why it could not be. */
struct topology_once {
	struct daxpin_topology *t;
	int error;
	bool read;
	struct daxpin_cxl *cxl;	/* at the first CXL target */
};

static const struct daxpin_topology *topology_get(struct daxpin_ctx *ctx,
						  struct topology_once *once)
{
	if (!once->read) {
		once->read = true;
		once->error = daxpin_topology_scan(ctx, &once->t);
		if (once->error < 0)
			once->t = NULL;
	}
	return once->t;
}

/* "dax0.0" of "/dev/dax0.0" or of "dax0.0" */
static const char *object_name(const char *arg)
{
	return strncmp(arg, "/dev/", 5) == 0 ? arg + 5 : arg;
}

/* devdax: the number of the device-dax device arg names, NULL if none */
static int target_resolve(struct daxpin_ctx *ctx, struct topology_once *once,
			  const char *arg, const dev_t *devdax, struct daxpin_target *tg)
{
	const char *name = object_name(arg);
	bool is_path = strchr(arg, '/') != NULL;
	const struct daxpin_topology *t;
	int rc;

	if (is_path) {
		rc = daxpin_target_add_path(tg, arg);
		if (rc != -ENOENT || strchr(name, '/'))
			return rc;
	}
	if (devdax)
		return daxpin_target_add_key(tg, DAXPIN_KEY_CHARDEV, *devdax, 0);
	t = topology_get(ctx, once);
	rc = t ? daxpin_target_add_name(tg, t, name) : once->error;
	if (rc < 0 && !is_path) {
		int as_path = daxpin_target_add_path(tg, arg);

		/* the topology's error, if it could not be read, unless a file is there */
		if (as_path != -ENOENT || rc == -ENOENT)
			rc = as_path;
	}
	return rc;
}

/*
 * System RAM is found by page frame, which only root sees: unprivileged,
 * "no holders" would be a guess.
 */
static int sysram_check_daxdev(const struct daxpin_daxdev *d, const char *name,
			       const struct holders_options *o)
{
	if (d->driver != DAXPIN_DRIVER_KMEM)
		return EXIT_OK;
	if (o->no_owners || (o->scan_flags & DAXPIN_HOLDERS_NO_BPF)) {
		error_line("daxpin holders: %s is system RAM: its holders are found by page frame, which %s turns off",
			   name, o->no_owners ? "--no-owners" : "--no-bpf");
		return EXIT_USAGE;
	}
	if (d->ranges_known)
		return EXIT_OK;
	error_line("daxpin holders: %s is system RAM: whose memory lives there is read from page frame numbers, which the kernel shows to root only; run as root",
		   name);
	return EXIT_PERMISSION;
}

/* every dax device of a namespace (ns) or region (r) */
static int sysram_check_within(const struct daxpin_region *r, const struct daxpin_namespace *ns,
			       const struct holders_options *o)
{
	int rc = EXIT_OK;

	for (size_t i = 0; r && i < r->nr_namespaces && rc == EXIT_OK; i++)
		rc = sysram_check_within(NULL, &r->namespaces[i], o);
	for (size_t i = 0; ns && i < ns->nr_daxdevs && rc == EXIT_OK; i++)
		rc = sysram_check_daxdev(&ns->daxdevs[i], ns->daxdevs[i].dev, o);
	return rc;
}

static int sysram_check(struct daxpin_ctx *ctx, struct topology_once *once, const char *arg,
			const struct holders_options *o)
{
	const struct daxpin_topology *t = topology_get(ctx, once);
	const char *name = object_name(arg);
	struct daxpin_object obj;

	if (!t || daxpin_topology_lookup(t, name, &obj))
		return EXIT_OK;
	if (!obj.daxdev)
		return sysram_check_within(obj.region, obj.ns, o);
	return sysram_check_daxdev(obj.daxdev, name, o);
}

/*
 * A CXL target: cxl:regionN (everything the CXL region feeds), memN or
 * cxl:memN (everything each region it is part of feeds). The exit code;
 * *cxl set when arg is spelled so; a bare memN the CXL bus does not know
 * may still be a file.
 */
static int cxl_target(struct daxpin_ctx *ctx, struct topology_once *once, const char *arg,
		      struct daxpin_target *tg, const struct holders_options *o, bool *cxl)
{
	const char *memdev = daxpin_cxl_memdev_target(arg);
	const char *region = memdev ? NULL : daxpin_cxl_target(arg);
	const struct daxpin_topology *t;
	char *name;
	int rc = EXIT_OK, err;

	*cxl = memdev || region;
	if (!*cxl)
		return EXIT_OK;
	t = topology_get(ctx, once);
	if (!t) {
		error_line("daxpin holders: cannot read the persistent-memory topology to find '%s': %s",
			   arg, strerror(-once->error));
		return EXIT_FAILURE_;
	}
	if (!once->cxl && (err = daxpin_cxl_scan(ctx, t, &once->cxl)) < 0) {
		error_line("daxpin holders: cannot read the CXL topology to find '%s': %s", arg,
			   strerror(-err));
		return EXIT_FAILURE_;
	}
	name = str_escape(arg, true);
	if (region && !daxpin_cxl_lookup(once->cxl, region)) {
		error_line("daxpin holders: no CXL region '%s'; see 'cxl list -R' (a CXL region is spelled cxl:regionN)",
			   name);
		rc = EXIT_NOT_FOUND;
	} else if (memdev && !daxpin_cxl_memdev_known(once->cxl, memdev)) {
		if (memdev == arg && daxpin_target_add_path(tg, arg) != -ENOENT) {
			*cxl = false;	/* a file of that name */
			daxpin_target_clear(tg);
		} else {
			error_line("daxpin holders: no CXL memory device '%s'; see 'cxl list -M'", name);
			rc = EXIT_NOT_FOUND;
		}
	}
	free(name);
	for (size_t i = 0; *cxl && rc == EXIT_OK && i < once->cxl->nr_regions; i++) {
		const struct daxpin_cxl_region *r = &once->cxl->regions[i];

		if (region ? strcmp(r->region, region) != 0 : !daxpin_cxl_memdev_in(r, memdev))
			continue;
		if (daxpin_cxl_target_add(tg, r) < 0)
			rc = EXIT_FAILURE_;
		if (rc == EXIT_OK)
			rc = sysram_check_within(r->nd_region, NULL, o);
		for (size_t k = 0; r->dax_region && k < r->dax_region->nr_daxdevs && rc == EXIT_OK; k++)
			rc = sysram_check_daxdev(&r->dax_region->daxdevs[k], r->dax_region->daxdevs[k].dev, o);
	}
	return rc;
}

enum { OPT_NO_BPF = 256, OPT_NO_OWNERS };

static const struct command_option holders_options[] = {
	OPTION_GROUP("Output (default: fuser-like \"TARGET: PIDaccess ...\"):"),
	{ 'v', "verbose", NULL, "table: TARGET USER PID ACCESS COMMAND MAPPED CGROUP" },
	{ 'J', "json", NULL, "JSON" },
	{ 'p', "pids", NULL, "the holding pids, one per line" },
	{ 'o', "output", "LIST", "table columns; +LIST adds to the default (implies -v,\n"
				 "as -n, -r, -b do; none of them goes with -J or -p)" },
	{ 'H', "list-columns", NULL, "describe the columns and exit" },
	{ 'n', "noheadings", NULL, "no header line" },
	{ 'r', "raw", NULL, "raw table" },
	{ 'b', "bytes", NULL, "sizes in bytes" },
	{ 't', "timeout", "SECONDS", "give up scanning after this long (default 10, 0: never)" },
	{ OPT_NO_BPF, "no-bpf", NULL, "read /proc even as root (root's default: BPF iterators)" },
	{ OPT_NO_OWNERS, "no-owners", NULL, "do not look for the owners of page references\n"
					   "(pipes P, io_uring U, RDMA R, VFIO V; needs root)" },
};

static const struct command_spec holders_command = {
	.name = "holders",
	.usage = "daxpin holders [OPTIONS] TARGET...\n\n"
		"Show the processes that map, open or pin each TARGET: a dax device (dax0.0),\n"
		"a namespace (namespace0.0), a region (region0: its namespaces), a CXL region\n"
		"(cxl:region1: all it feeds), a CXL memory device (mem0: all its regions\n"
		"feed), a block device (pmem0), a mount point or a file.",
	.options = holders_options,
	.nr_options = ARRAY_SIZE(holders_options),
	.exit_status = "0 holders found, 10 none, 4 none seen but some processes (or\n"
		"the owners of page references) were not readable, 6 none seen before the\n"
		"timeout, 1 none seen but some could not be examined (out of file\n"
		"descriptors), 8 owners of page references not searchable here, 3 unknown\n"
		"target, 2 usage.",
	.columns = holders_columns,
	.nr_columns = ARRAY_SIZE(holders_columns),
};

/*
 * A target that cannot be resolved: a path through a non-directory or a
 * symlink loop names nothing (3), a name longer than the system allows is
 * bad input (2).
 */
static int resolve_status(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
	case -ELOOP:
		return EXIT_NOT_FOUND;
	case -ENAMETOOLONG:
		return EXIT_USAGE;
	case -EACCES:
	case -EPERM:
		return EXIT_PERMISSION;
	}
	return EXIT_FAILURE_;
}

/*
 * What the exit status says when no holder was seen: only "none" if we
 * could look everywhere, including for the owners of page references of
 * targets that have pages (unless --no-owners asked not to).
 */
static int exit_status(const struct daxpin_holders *h, bool owners_unknown)
{
	if (h->nr_procs)
		return EXIT_OK;
	if (h->complete && owners_unknown)
		return h->owners->error == -EPERM ? EXIT_PERMISSION : EXIT_UNSUPPORTED;
	if (h->complete)
		return EXIT_NONE;
	if (h->timed_out)
		return EXIT_TIMEOUT;
	return h->unexamined ? EXIT_FAILURE_ : EXIT_PERMISSION;
}

static int holders_print(char **names, const struct daxpin_holders *h,
			 const struct holders_options *o,
			 const struct column_selection *sel)
{
	switch (o->format) {
	case FORMAT_JSON:
		print_json(names, h);
		return 0;
	case FORMAT_PIDS:
		print_pids(h);
		return 0;
	case FORMAT_TABLE:
		return print_table(names, h, o, sel);
	case FORMAT_CONCISE:
		print_concise(names, h);
		return 0;
	}
	return 0;
}

/*
 * The owners of the targets' page references (pipes, io_uring buffers,
 * RDMA hints), merged into h: a process whose pipe holds a device's pages
 * holds that device. Owners are found by page frame, so the targets'
 * devices are looked up in the topology (none: no pages to look for).
 */

static int add_owners(struct daxpin_ctx *ctx, struct topology_once *topo,
		      const struct daxpin_target *targets, size_t nr,
		      struct daxpin_holders *h, bool *has_pages)
{
	return daxpin_holders_find_owners(ctx, topology_get(ctx, topo), targets, nr, h,
					  has_pages);
}

int cmd_holders(int argc, char **argv, struct daxpin_ctx *ctx)
{
	struct holders_options o = { .timeout_ms = 10000, .scan_flags = DAXPIN_HOLDERS_NO_PIDFD };
	struct topology_once topo = { 0 };
	struct daxpin_target *targets;
	struct daxpin_holders *h = NULL;
	struct column_selection sel;
	bool has_pages = false;
	int c, rc = EXIT_OK, nr, format_opt = 0;

	while ((c = command_option(&holders_command, &o.table, argc, argv)) > 0) {
		switch (c) {
		case 'v':
		case 'J':
		case 'p':
			if (format_opt && format_opt != c) {
				fprintf(stderr, "daxpin holders: -%c and -%c cannot be combined: choose one output\n",
					format_opt, c);
				return EXIT_USAGE;
			}
			format_opt = c;
			o.format = c == 'v' ? FORMAT_TABLE : c == 'J' ? FORMAT_JSON : FORMAT_PIDS;
			break;
		case OPT_NO_BPF: o.scan_flags |= DAXPIN_HOLDERS_NO_BPF; break;
		case OPT_NO_OWNERS: o.no_owners = true; break;
		case 't':
			if (option_duration("holders", "timeout", optarg, 0, &o.timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		}
	}
	if (c < 0)
		return -1 - c;
	/* the table options choose the table, and make no sense with another output */
	if (o.table.given && (o.format == FORMAT_JSON || o.format == FORMAT_PIDS)) {
		fprintf(stderr, "daxpin holders: -%c is a table option and cannot be combined with -%c\n",
			o.table.given, format_opt);
		return EXIT_USAGE;
	}
	if (o.table.given)
		o.format = FORMAT_TABLE;
	if (optind == argc) {
		fprintf(stderr, "daxpin holders: no target; name a dax device, namespace, region, CXL region or memory device, block device, mount point or file\n");
		return EXIT_USAGE;
	}
	if (columns_select("holders", o.table.output, holders_columns,
			   ARRAY_SIZE(holders_columns), holders_default_columns,
			   ARRAY_SIZE(holders_default_columns), &sel) < 0)
		return EXIT_USAGE;

	nr = argc - optind;
	targets = calloc((size_t)nr, sizeof(*targets));
	if (!targets)
		return EXIT_FAILURE_;
	/* the owners' scan reads the page state of what they leave unexplained */
	if (!(o.scan_flags & DAXPIN_HOLDERS_NO_BPF))
		daxpin_set_scans(ctx, DAXPIN_SCAN_HOLDERS |
				      (o.no_owners ? 0 : DAXPIN_SCAN_OWNERS | DAXPIN_SCAN_PAGES));
	for (int i = 0; i < nr && rc == EXIT_OK; i++) {
		bool cxl, devdax;
		dev_t devnum;
		int err;
		char *name;

		rc = cxl_target(ctx, &topo, argv[optind + i], &targets[i], &o, &cxl);
		if (cxl || rc != EXIT_OK)
			continue;
		/* bound to device_dax: not system RAM, and known without the topology */
		devdax = daxpin_devdax_number(ctx, object_name(argv[optind + i]), &devnum) == 0;
		err = target_resolve(ctx, &topo, argv[optind + i], devdax ? &devnum : NULL,
				     &targets[i]);
		name = err < 0 ? str_escape(argv[optind + i], true) : NULL;

		if (err < 0 && err == topo.error) {
			error_line("daxpin holders: cannot read the persistent-memory topology to find '%s': %s",
				   name, strerror(-err));
			err = -EIO;
		} else if (err == -ENOENT) {
			error_line("daxpin holders: no dax device, namespace, region, block device or file '%s'; see 'daxpin list'",
				name);
		} else if (err < 0) {
			error_line("daxpin holders: '%s': %s", name, strerror(-err));
		}
		free(name);
		if (err < 0)
			rc = resolve_status(err);
		else if (!devdax)
			rc = sysram_check(ctx, &topo, argv[optind + i], &o);
	}
	if (rc == EXIT_OK) {
		int err = daxpin_holders_scan(ctx, targets, (size_t)nr, o.timeout_ms,
					      o.scan_flags, &h);

		if (err < 0) {
			fprintf(stderr, "daxpin holders: cannot scan the processes: %s\n", strerror(-err));
			rc = EXIT_FAILURE_;
		}
	}
	if (h && !o.no_owners && !(o.scan_flags & DAXPIN_HOLDERS_NO_BPF)) {
		int err = add_owners(ctx, &topo, targets, (size_t)nr, h, &has_pages);

		if (err < 0) {
			fprintf(stderr, "daxpin holders: cannot find the owners of page references: %s\n",
				strerror(-err));
			rc = EXIT_FAILURE_;
		} else if (h->owners->reason && has_pages) {
			fprintf(stderr, "daxpin holders: owners of page references (pipes, io_uring, RDMA, VFIO) not searched: %s\n",
				h->owners->reason);
		}
	}
	if (h && rc == EXIT_OK) {
		if (!h->complete)
			fprintf(stderr, "daxpin holders: partial result: %s\n", h->reason);
		rc = exit_status(h, has_pages && h->owners && h->owners->reason);
		if (holders_print(argv + optind, h, &o, &sel) < 0) {
			fprintf(stderr, "daxpin holders: out of memory\n");
			rc = EXIT_FAILURE_;
		}
	}
	daxpin_holders_free(h);
	for (int i = 0; i < nr; i++)
		daxpin_target_clear(&targets[i]);
	free(targets);
	daxpin_cxl_free(topo.cxl);
	daxpin_topology_free(topo.t);
	return rc;
}

