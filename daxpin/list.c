// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <daxpin/layouts.h>

#include "builtin.h"
#include "cxl_output.h"
#include "exitcodes.h"
#include "list.h"
#include "options.h"
#include "outfile.h"

enum {
	COL_NAME,
	COL_TYPE,
	COL_MODE,
	COL_MAP,
	COL_SIZE,
	COL_ALIGN,
	COL_DEV,
	COL_MAJMIN,
	COL_DRIVER,
	COL_STATE,
	COL_NODE,
	COL_UUID,
	COL_MOUNTPOINTS,
	COL_DAX,
	COL_PFNS,
	COL_PAGES,
	COL_HOLDERS,
	COL_REFS,
	COL_PINNED,
	COL_MAPPED,
	COL_MAXREF,
	COL_MEMBLOCKS,
	COL_BLOCKING,
	/* the CXL lineage of a region (cxl_output.c), in enum cxl_field's order */
	COL_CXL_REGION,
	COL_DECODER,
	COL_INTERLEAVE_WAYS,
	COL_INTERLEAVE_GRANULARITY,
	COL_DECODE_STATE,
	COL_MEMDEV,
	COL_SERIAL,
	COL_HOST,
	COL_PORT,
};

static const struct column list_columns[] = {
	[COL_NAME] = { "NAME", 0.25, SCOLS_FL_TREE | SCOLS_FL_NOEXTREMES, "region, namespace or dax device name" },
	[COL_TYPE] = { "TYPE", 6, 0, "region, dax_region, namespace or daxdev" },
	[COL_MODE] = { "MODE", 6, 0, "namespace mode (raw, sector, fsdax, devdax) or dax device mode (devdax, system-ram, famfs)" },
	[COL_MAP] = { "MAP", 3, 0, "where the struct pages live: mem or dev" },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "usable size" },
	[COL_ALIGN] = { "ALIGN", 5, SCOLS_FL_RIGHT, "mapping alignment" },
	[COL_DEV] = { "DEV", 7, 0, "block device (fsdax, raw, sector) or character device (devdax)" },
	[COL_MAJMIN] = { "MAJ:MIN", 6, 0, "device number of DEV" },
	[COL_DRIVER] = { "DRIVER", 6, 0, "driver a dax device is bound to" },
	[COL_STATE] = { "STATE", 7, 0, "enabled or disabled" },
	[COL_NODE] = { "NODE", 2, SCOLS_FL_RIGHT, "target NUMA node of a dax device" },
	[COL_UUID] = { "UUID", 36, 0, "namespace uuid" },
	[COL_MOUNTPOINTS] = { "MOUNTPOINTS", 0.2, SCOLS_FL_WRAP, "where the block device is mounted" },
	[COL_DAX] = { "DAX", 6, 0, "the dax mount option of each mount (always, inode, never)" },
	[COL_PFNS] = { "PFNS", 0.2, SCOLS_FL_WRAP, "page frame ranges with struct pages" },
	[COL_PAGES] = { "PAGES", 8, SCOLS_FL_RIGHT, "number of pages with struct pages" },
	[COL_REFS] = { "REFS", 5, SCOLS_FL_RIGHT, "page references beyond idle and user mappings (a pipe, I/O, get_user_pages)" },
	[COL_PINNED] = { "PINNED", 6, SCOLS_FL_RIGHT, "pages that may be DMA-pinned (FOLL_PIN: RDMA, VFIO, io_uring)" },
	[COL_MAPPED] = { "MAPPED", 6, SCOLS_FL_RIGHT, "pages mapped by processes (kernels that count DAX mappings: 6.15+)" },
	[COL_MAXREF] = { "MAXREF", 6, SCOLS_FL_RIGHT, "highest page reference count" },
	[COL_MEMBLOCKS] = { "MEMBLOCKS", 5, SCOLS_FL_RIGHT, "system-ram: memory blocks online/total (daxpin memory shows them)" },
	[COL_BLOCKING] = { "BLOCKING", 8, SCOLS_FL_RIGHT, "system-ram: pages that keep its blocks from going offline (root)" },
	[COL_HOLDERS] = { "HOLDERS", 7, SCOLS_FL_RIGHT, "processes that map, open or pin it or own its page references (--holders)" },
	[COL_CXL_REGION] = { "CXL_REGION", 7, 0, "the CXL region feeding a region (cxl:NAME as a target)" },
	[COL_DECODER] = { "DECODER", 7, 0, "the CXL region's root decoder" },
	[COL_INTERLEAVE_WAYS] = { "INTERLEAVE_WAYS", 2, SCOLS_FL_RIGHT, "CXL memory devices interleaved" },
	[COL_INTERLEAVE_GRANULARITY] = { "INTERLEAVE_GRANULARITY", 4, SCOLS_FL_RIGHT, "CXL interleave granularity, bytes" },
	[COL_DECODE_STATE] = { "DECODE_STATE", 6, 0, "CXL region decoders: commit or reset" },
	[COL_MEMDEV] = { "MEMDEV", 5, SCOLS_FL_WRAP, "the CXL memory devices behind a region" },
	[COL_SERIAL] = { "SERIAL", 6, SCOLS_FL_WRAP | SCOLS_FL_RIGHT, "their serial numbers" },
	[COL_HOST] = { "HOST", 12, SCOLS_FL_WRAP, "their PCI devices" },
	[COL_PORT] = { "PORT", 5, SCOLS_FL_WRAP, "the CXL port each hangs from" },
};

static const int list_default_columns[] = {
	COL_NAME, COL_MODE, COL_MAP, COL_SIZE, COL_ALIGN, COL_DEV, COL_STATE,
	COL_MOUNTPOINTS, COL_REFS, COL_PINNED,
};

/* One table row: exactly one of the pointers is set. */
struct list_row {
	const struct list_options *o;
	const struct daxpin_region *region;
	const struct daxpin_dax_region *dax_region;
	const struct daxpin_namespace *ns;
	const struct daxpin_daxdev *daxdev;
};

static char *strdup_or_null(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

static char *ranges_str(const struct daxpin_pfn_range *r, size_t nr,
			bool known, bool pages)
{
	char *s = NULL, *next;
	uint64_t total = 0;

	if (!known)
		return strdup("-");
	for (size_t i = 0; i < nr; i++)
		total += r[i].count;
	if (pages)
		return nr ? printf_str("%" PRIu64, total) : NULL;
	for (size_t i = 0; i < nr; i++) {
		next = printf_str("%s%s%#" PRIx64 "-%#" PRIx64, s ? s : "",
				  s ? "\n" : "", r[i].pfn, r[i].pfn + r[i].count - 1);
		free(s);
		s = next;
	}
	return s;
}

static char *mounts_str(const struct daxpin_namespace *ns, bool dax)
{
	char *s = NULL, *next;

	for (size_t i = 0; i < ns->nr_mounts; i++) {
		const char *v = dax ? ns->mounts[i].dax : ns->mounts[i].target;

		next = printf_str("%s%s%s", s ? s : "", s ? "\n" : "", v ? v : "-");
		free(s);
		s = next;
	}
	return s;
}

static char *row_cell(int col, const void *r)
{
	const struct list_row *row = r;
	const struct list_options *o = row->o;
	const struct daxpin_namespace *ns = row->ns;
	const struct daxpin_daxdev *d = row->daxdev;
	bool bytes = o->table.bytes;

	switch (col) {
	case COL_NAME:
		if (row->dax_region)
			return printf_str("daxregion%d", row->dax_region->id);
		return strdup(row->region ? row->region->dev : ns ? ns->dev : d->dev);
	case COL_TYPE:
		return strdup(row->region ? "region" : row->dax_region ? "dax_region" :
			      ns ? "namespace" : "daxdev");
	case COL_MODE:
		if (row->region)
			return strdup_or_null(row->region->type);
		return row->dax_region ? NULL : strdup(ns ? daxpin_ns_mode_name(ns->mode) :
						       daxpin_daxdev_mode_name(d));
	case COL_MAP:
		return ns ? strdup_or_null(daxpin_map_name(ns->map)) : NULL;
	case COL_SIZE:
		return size_to_str(row->region ? row->region->size :
				   row->dax_region ? row->dax_region->size :
				   ns ? ns->size : d->size, bytes);
	case COL_ALIGN: {
		unsigned long align = row->region ? row->region->align :
				      row->dax_region ? row->dax_region->align :
				      ns ? ns->align : d->align;
		return align ? size_to_str(align, bytes) : NULL;
	}
	case COL_DEV:
		return strdup_or_null(ns ? ns->blockdev : d ? d->dev : NULL);
	case COL_MAJMIN:
		if (ns && ns->blockdev)
			return printf_str("%u:%u", ns->blk_major, ns->blk_minor);
		return d ? printf_str("%u:%u", d->major, d->minor) : NULL;
	case COL_DRIVER:
		return d ? strdup_or_null(d->driver_name) : NULL;
	case COL_STATE: {
		bool enabled = row->region ? row->region->enabled :
			       row->dax_region ? true :
			       ns ? ns->enabled : d->driver != DAXPIN_DRIVER_NONE;
		return strdup(enabled ? "enabled" : "disabled");
	}
	case COL_NODE:
		return d && d->target_node >= 0 ? printf_str("%d", d->target_node) : NULL;
	case COL_UUID:
		return ns ? strdup_or_null(ns->uuid) : NULL;
	case COL_MOUNTPOINTS:
	case COL_DAX:
		return ns ? mounts_str(ns, col == COL_DAX) : NULL;
	case COL_PFNS:
	case COL_PAGES:
		if (ns)
			return ranges_str(ns->ranges, ns->nr_ranges, ns->ranges_known,
					  col == COL_PAGES);
		return d ? ranges_str(d->ranges, d->nr_ranges, d->ranges_known,
				      col == COL_PAGES) : NULL;
	case COL_REFS:
	case COL_PINNED:
	case COL_MAPPED:
	case COL_MAXREF: {
		const struct daxpin_object_pages *p = ns ? ns->pages : d ? d->pages : NULL;

		if (!p)
			return NULL;
		if (p->reason || (col == COL_MAPPED && !p->counts.mapped_known))
			return strdup("-");
		return printf_str("%" PRIu64, col == COL_REFS ? p->counts.refs :
				  col == COL_PINNED ? p->counts.pinned_pages :
				  col == COL_MAPPED ? p->counts.mapped_pages :
				  (uint64_t)p->counts.max_refcount);
	}
	case COL_MEMBLOCKS:
	case COL_BLOCKING:
		if (!d || d->driver != DAXPIN_DRIVER_KMEM)
			return NULL;
		if (!d->memory || (col == COL_BLOCKING && d->memory->pages_reason))
			return strdup("-");
		return col == COL_MEMBLOCKS ?
			printf_str("%zu/%zu", daxpin_memory_online(d->memory), d->memory->nr_blocks) :
			printf_str("%" PRIu64, daxpin_memory_blocking(d->memory));
	case COL_HOLDERS: {
		const struct daxpin_target_holders *th = ns ? ns->holders : d ? d->holders : NULL;

		return th ? printf_str("%zu", th->nr_holders) : NULL;
	}
	case COL_CXL_REGION:
	case COL_DECODER:
	case COL_INTERLEAVE_WAYS:
	case COL_INTERLEAVE_GRANULARITY:
	case COL_DECODE_STATE:
	case COL_MEMDEV:
	case COL_SERIAL:
	case COL_HOST:
	case COL_PORT: {
		const char *reason = NULL;
		const struct daxpin_cxl_region *c =
			row->region ? daxpin_cxl_region_of(o->cxl, row->region, &reason) :
			row->dax_region ? daxpin_cxl_region_of_dax(o->cxl, row->dax_region) : NULL;

		return cxl_cell((enum cxl_field)(col - COL_CXL_REGION), c, reason);
	}
	}
	return NULL;
}

static int daxdev_rows(struct libscols_table *tb, const struct column_selection *sel,
		       const struct list_options *o, const struct daxpin_daxdev *devs,
		       size_t nr, struct libscols_line *parent)
{
	int rc = 0;

	for (size_t i = 0; i < nr && !rc; i++)
		if (list_daxdev_selected(o, &devs[i]))
			rc = table_add_line(tb, parent, sel, row_cell,
					    &(struct list_row){ .o = o, .daxdev = &devs[i] }, NULL);
	return rc;
}

static bool ranges_hidden(const struct daxpin_topology *t)
{
	for (size_t i = 0; i < t->nr_regions; i++)
		for (size_t j = 0; j < t->regions[i].nr_namespaces; j++) {
			const struct daxpin_namespace *ns = &t->regions[i].namespaces[j];

			if (!ns->ranges_known)
				return true;
			for (size_t k = 0; k < ns->nr_daxdevs; k++)
				if (!ns->daxdevs[k].ranges_known)
					return true;
		}
	for (size_t i = 0; i < t->nr_dax_regions; i++)
		for (size_t k = 0; k < t->dax_regions[i].nr_daxdevs; k++)
			if (!t->dax_regions[i].daxdevs[k].ranges_known)
				return true;
	return false;
}

static int list_table(const struct daxpin_topology *t, const struct list_options *o,
		      const struct column_selection *sel)
{
	struct libscols_table *tb = table_new(&o->table, list_columns, sel);
	struct libscols_line *region_ln, *ns_ln;
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr_regions && !rc; i++) {
		const struct daxpin_region *r = &t->regions[i];

		if (!list_region_selected(o, r))
			continue;
		rc = table_add_line(tb, NULL, sel, row_cell, &(struct list_row){ .o = o, .region = r },
				    &region_ln);
		for (size_t j = 0; j < r->nr_namespaces && !rc; j++) {
			const struct daxpin_namespace *ns = &r->namespaces[j];

			if (!list_ns_selected(o, ns))
				continue;
			rc = table_add_line(tb, region_ln, sel, row_cell,
					    &(struct list_row){ .o = o, .ns = ns }, &ns_ln);
			if (!rc)
				rc = daxdev_rows(tb, sel, o, ns->daxdevs,
						 ns->nr_daxdevs, ns_ln);
		}
	}
	for (size_t i = 0; i < t->nr_dax_regions && !rc; i++) {
		const struct daxpin_dax_region *r = &t->dax_regions[i];

		if (!list_dax_region_selected(o, r))
			continue;
		rc = table_add_line(tb, NULL, sel, row_cell,
				    &(struct list_row){ .o = o, .dax_region = r }, &region_ln);
		if (!rc)
			rc = daxdev_rows(tb, sel, o, r->daxdevs, r->nr_daxdevs,
					 region_ln);
	}
	if (!rc && scols_table_get_nlines(tb) > 0)
		scols_print_table(tb);
	else if (!rc && o->pinned)
		printf("no referenced or DMA-pinned pages\n");
	if ((columns_selected(sel, COL_PFNS) || columns_selected(sel, COL_PAGES)) &&
	    ranges_hidden(t))
		fprintf(stderr, "daxpin list: PFNS and PAGES show '-': the kernel shows physical addresses to root only\n");
	if (columns_selected(sel, COL_CXL_REGION))
		for (size_t i = 0; i < t->nr_regions; i++) {
			const char *reason;

			if (list_region_selected(o, &t->regions[i]) &&
			    !daxpin_cxl_region_of(o->cxl, &t->regions[i], &reason) && reason) {
				fprintf(stderr, "daxpin list: CXL_REGION of %s shows '-': %s\n",
					t->regions[i].dev, reason);
			}
		}
	scols_unref_table(tb);
	return rc;
}

/*
 * Reads page state; without it the counts are unknown, which a table says
 * once on stderr and JSON says in "pin_source", but --pinned cannot answer
 * at all.
 */
static int list_pages_scan(struct daxpin_ctx *ctx, struct daxpin_topology *t,
			   struct list_options *o, struct daxpin_topology_pages *tp)
{
	if (daxpin_topology_pages_scan(ctx, t, tp) < 0) {
		daxpin_topology_pages_free(tp);
		fprintf(stderr, "daxpin list: out of memory\n");
		return EXIT_FAILURE_;
	}
	o->pages = tp;
	/* the busy folios' owners: -v shows them */
	if (!tp->reason && o->verbose && o->json &&
	    daxpin_topology_pages_find_owners(ctx, tp) == -ENOMEM) {
		fprintf(stderr, "daxpin list: out of memory\n");
		return EXIT_FAILURE_;
	}
	if (!tp->reason)
		return EXIT_OK;
	if (o->pinned) {
		fprintf(stderr, "daxpin list --pinned: cannot read page state: %s\n",
			tp->reason);
		return tp->error == -EPERM ? EXIT_PERMISSION : EXIT_UNSUPPORTED;
	}
	/* JSON and metrics say so themselves */
	if (!o->json && !o->prometheus)
		fprintf(stderr, "daxpin list: REFS, PINNED and MAPPED show '-': page state unavailable: %s\n",
			tp->reason);
	return EXIT_OK;
}

enum { OPT_REGION = 256, OPT_NAMESPACE, OPT_DEV, OPT_MODE, OPT_HOLDERS, OPT_PINNED, OPT_FORMAT,
       OPT_OUTPUT_FILE, OPT_NO_BPF };

static const struct command_option list_command_options[] = {
	OPTION_GROUP("Filters:"),
	{ OPT_REGION, "region", "NAME", "only this region (region0)" },
	{ OPT_NAMESPACE, "namespace", "NAME", "only this namespace (namespace0.0)" },
	{ OPT_DEV, "dev", "NAME", "only the namespace or dax device with this device\n"
				  "(pmem0, dax0.0)" },
	{ OPT_MODE, "mode", "MODE", "raw, sector, fsdax, devdax, system-ram or famfs" },
	{ OPT_PINNED, "pinned", NULL, "only what has referenced or DMA-pinned pages (needs root)" },
	{ 'v', "verbose", NULL, "with --json: the first busy folios of each" },
	{ OPT_HOLDERS, "holders", NULL, "HOLDERS column / JSON holders: who maps, opens, pins\n"
					"or owns page references of each" },
	{ 't', "timeout", "SECONDS", "give up the holders scan after this long (default 10,\n"
				     "0: never)" },
	{ OPT_NO_BPF, "no-bpf", NULL, "holders from /proc even as root (reference owners\n"
				      "not searched)" },
	OPTION_GROUP("Output:"),
	{ 'J', "json", NULL, "JSON with ndctl/daxctl key names" },
	{ OPT_FORMAT, "format", "FORMAT", "table (default), json (as -J), or prometheus: metrics for\n"
					  "node_exporter's textfile collector (scans holders too)" },
	{ OPT_OUTPUT_FILE, "output-file", "FILE", "with --json or --format prometheus: write FILE\n"
						  "atomically (a temporary file in its directory, renamed)" },
	{ 'u', "human", NULL, "with -J: sizes as \"1.00 GiB (1.07 GB)\"" },
	{ 'o', "output", "LIST", "columns to show; +LIST adds to the default\n"
				 "with -J: page state only if LIST has REFS, PINNED,\n"
				 "MAPPED or MAXREF (-n, -r, -b do not go with -J)" },
	{ 'H', "list-columns", NULL, "describe the columns and exit" },
	{ 'n', "noheadings", NULL, "no header line" },
	{ 'r', "raw", NULL, "raw table (no tree, no alignment)" },
	{ 'b', "bytes", NULL, "sizes in bytes" },
};

static const struct command_spec list_command = {
	.name = "list",
	.usage = "daxpin list [OPTIONS]\n\n"
		"Show persistent-memory regions, namespaces and dax devices.",
	.options = list_command_options,
	.nr_options = ARRAY_SIZE(list_command_options),
	.exit_status = "0 listed (also when --pinned finds nothing), 3 unknown name,\n"
		"4 page state needs root (--pinned), 8 page state unsupported here (--pinned),\n"
		"1 failure, 2 usage.",
	.columns = list_columns,
	.nr_columns = ARRAY_SIZE(list_columns),
};

int cmd_list(int argc, char **argv, struct daxpin_ctx *ctx)
{
	struct list_options o = {};
	struct daxpin_topology_holders holders;
	struct daxpin_topology_pages pages;
	struct daxpin_topology_memory memory = { 0 };
	bool want_holders = false, want_pages;
	/* the holders scan's, as daxpin holders has them; the option given, for its error */
	unsigned int holders_timeout_ms = 10000;
	unsigned int holders_flags = DAXPIN_HOLDERS_NO_PIDFD;
	const char *holders_option = NULL;
	const char *output_file = NULL;
	struct daxpin_layouts *layouts = NULL;
	struct outfile of = { 0 };
	FILE *out = stdout;
	struct timespec start;
	struct column_selection sel;
	struct daxpin_topology *t;
	struct daxpin_cxl *cxl = NULL;
	int c, rc;

	while ((c = command_option(&list_command, &o.table, argc, argv)) > 0) {
		switch (c) {
		case OPT_REGION: o.region = optarg; break;
		case OPT_NAMESPACE: o.namespace = optarg; break;
		case OPT_DEV: o.dev = optarg; break;
		case OPT_MODE: o.mode = optarg; break;
		case OPT_HOLDERS: want_holders = true; break;
		case OPT_PINNED: o.pinned = true; break;
		case 't':
			if (option_duration("list", "timeout", optarg, 0, &holders_timeout_ms) < 0)
				return EXIT_USAGE;
			holders_option = "--timeout";
			break;
		case OPT_NO_BPF:
			holders_flags |= DAXPIN_HOLDERS_NO_BPF;
			holders_option = "--no-bpf";
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0) {
				o.json = true;
			} else if (strcmp(optarg, "prometheus") == 0) {
				o.prometheus = true;
			} else if (strcmp(optarg, "table") != 0) {
				error_line("daxpin list: unknown format '%s'; use table, json or prometheus",
					   optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OUTPUT_FILE: output_file = optarg; break;
		case 'v': o.verbose = true; break;
		case 'J': o.json = true; break;
		case 'u': o.table.human_json = true; break;
		}
	}
	if (c < 0)
		return -1 - c;
	/* one rule for every command: an option that shapes an output the command will not print is an error */
	/* with -J, -o chooses what is read (page state, holders), not keys */
	if (o.json && (o.table.noheadings || o.table.raw || o.table.bytes)) {
		fprintf(stderr, "daxpin list: -%c is a table option and cannot be combined with -J\n",
			o.table.noheadings ? 'n' : o.table.raw ? 'r' : 'b');
		return EXIT_USAGE;
	}
	if (o.prometheus && (o.json || o.table.given || o.table.human_json || o.verbose)) {
		fprintf(stderr, "daxpin list: --format prometheus takes no other output option (-J, -o, -n, -r, -b, -u, -v)\n");
		return EXIT_USAGE;
	}
	if (output_file && !o.json && !o.prometheus) {
		fprintf(stderr, "daxpin list: --output-file needs --json or --format prometheus\n");
		return EXIT_USAGE;
	}
	if (!o.json && !o.prometheus && (o.table.human_json || o.verbose)) {
		fprintf(stderr, "daxpin list: -%c shapes the JSON output; add -J\n",
			o.verbose ? 'v' : 'u');
		return EXIT_USAGE;
	}
	if (optind < argc) {
		error_line("daxpin list: unexpected argument '%s'; filters are options (--dev %s)",
			argv[optind], argv[optind]);
		return EXIT_USAGE;
	}
	if (columns_select("list", o.table.output, list_columns,
			   ARRAY_SIZE(list_columns), list_default_columns,
			   ARRAY_SIZE(list_default_columns), &sel) < 0)
		return EXIT_USAGE;
	if (want_holders && !o.table.output)
		sel.ids[sel.nr++] = COL_HOLDERS;
	want_holders |= columns_selected(&sel, COL_HOLDERS) || o.prometheus;
	if (holders_option && !want_holders) {
		fprintf(stderr, "daxpin list: %s shapes the holders scan; add --holders\n",
			holders_option);
		return EXIT_USAGE;
	}
	want_pages = (o.json && !o.table.output) || o.pinned || o.prometheus ||
		     columns_selected(&sel, COL_REFS) ||
		     columns_selected(&sel, COL_PINNED) ||
		     columns_selected(&sel, COL_MAPPED) ||
		     columns_selected(&sel, COL_MAXREF);
	/* the holders count the owners of page references as well */
	daxpin_set_scans(ctx, (want_pages ? DAXPIN_SCAN_PAGES : 0) |
			      (want_pages && o.verbose && o.json ? DAXPIN_SCAN_OWNERS : 0) |
			      (want_holders && !(holders_flags & DAXPIN_HOLDERS_NO_BPF) ?
			       DAXPIN_SCAN_HOLDERS | DAXPIN_SCAN_OWNERS | DAXPIN_SCAN_PAGES : 0));

	/* a destination that cannot be written fails before the scans */
	if (output_file) {
		if (outfile_open(&of, "list", output_file) < 0)
			return EXIT_FAILURE_;
		out = of.f;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = daxpin_topology_scan(ctx, &t);
	if (rc < 0) {
		outfile_abort(&of);
		fprintf(stderr, "daxpin list: cannot read the persistent-memory topology: %s\n",
			strerror(-rc));
		return EXIT_FAILURE_;
	}
	rc = list_filter_resolve(t, &o);
	/* the CXL lineage where it is shown: libcxl's walk is the cost of a column */
	for (int col = COL_CXL_REGION; rc == EXIT_OK && !cxl && col <= COL_PORT; col++)
		if (o.json || columns_selected(&sel, col)) {
			int err = daxpin_cxl_scan(ctx, t, &cxl);

			if (err < 0) {
				fprintf(stderr, "daxpin list: cannot read the CXL topology: %s\n",
					strerror(-err));
				rc = EXIT_FAILURE_;
			}
			o.cxl = cxl;
		}
	if (rc == EXIT_OK && !t->nr_regions && !t->nr_dax_regions) {
		const char *module = daxpin_missing_module(ctx);

		if (module)
			fprintf(stderr, "daxpin list: no persistent memory found; kernel module %s is not loaded (modprobe %s)\n",
				module, module);
		else
			fprintf(stderr, "daxpin list: no persistent memory found (no NVDIMM region and no dax device)\n");
	}
	/* nothing to take page state of: no line about why it is unavailable */
	if (rc == EXIT_OK && want_pages && (t->nr_regions || t->nr_dax_regions)) {
		rc = list_pages_scan(ctx, t, &o, &pages);
	}
	/* system RAM's blocks, and with page state what keeps them online */
	if (rc == EXIT_OK && daxpin_topology_memory_scan(ctx, t, o.pages ? pages.ps : NULL, &memory) < 0) {
		fprintf(stderr, "daxpin list: out of memory\n");
		rc = EXIT_FAILURE_;
	}
	if (rc == EXIT_OK && want_holders) {
		int err = daxpin_topology_holders_scan(ctx, t, holders_timeout_ms, holders_flags,
						       &holders);

		if (err < 0) {
			fprintf(stderr, "daxpin list: cannot scan for holders: %s\n", strerror(-err));
			rc = EXIT_FAILURE_;
		} else {
			o.holders = &holders;
			if (!holders.h->complete)
				fprintf(stderr, "daxpin list: holders partial: %s\n", holders.h->reason);
			if (!o.json && !o.prometheus && holders.owners_reason)
				fprintf(stderr, "daxpin list: owners of page references not among the holders: %s\n",
					holders.owners_reason);
		}
	}
	if (rc == EXIT_OK && o.prometheus && daxpin_layouts_scan(ctx, NULL, 0, &layouts) < 0)
		fprintf(stderr, "daxpin list: cannot scan for layout-break waiters; their metrics are left out\n");
	if (rc == EXIT_OK && o.prometheus) {
		struct timespec end;

		clock_gettime(CLOCK_MONOTONIC, &end);
		if (list_prometheus(out, t, &o, layouts, (double)(end.tv_sec - start.tv_sec) +
				    (double)(end.tv_nsec - start.tv_nsec) / 1e9) < 0) {
			fprintf(stderr, "daxpin list: out of memory\n");
			rc = EXIT_FAILURE_;
		}
	} else if (rc == EXIT_OK && o.json) {
		struct json_object *j = list_to_json(t, &o);

		json_print(out, j);
		json_object_put(j);
	} else if (rc == EXIT_OK && list_table(t, &o, &sel) < 0) {
		fprintf(stderr, "daxpin list: out of memory\n");
		rc = EXIT_FAILURE_;
	}
	if (of.f && rc == EXIT_OK && outfile_commit(&of, "list") < 0)
		rc = EXIT_FAILURE_;
	outfile_abort(&of);
	daxpin_layouts_free(layouts);
	if (o.holders)
		daxpin_topology_holders_free(&holders);
	daxpin_topology_memory_free(&memory);
	if (o.pages)
		daxpin_topology_pages_free(&pages);
	daxpin_cxl_free(cxl);
	daxpin_topology_free(t);
	return rc;
}
