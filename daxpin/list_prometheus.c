// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin list --format prometheus: the Prometheus text exposition format
 * for node_exporter's textfile collector. Names start with daxpin_, values
 * are in base units, each metric's HELP and TYPE come once before its
 * samples, label values are escaped, and no sample has a timestamp (the
 * collector adds the scrape's). A count that is unknown has no sample:
 * daxpin_page_state_available and daxpin_holders_complete say why.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <daxpin/layouts.h>

#include "list.h"

/* One region, namespace or dax device: its labels and what is known of it. */
struct prom_row {
	const char *type;	/* "region", "namespace", "daxdev" */
	const char *region;
	const char *namespace;
	const char *device;	/* block or character device */
	bool enabled;
	uint64_t size;
	const struct daxpin_object_pages *pages;		/* NULL: no struct pages */
	const struct daxpin_target_holders *holders;	/* NULL: not scanned */
};

struct prom_rows {
	struct prom_row *rows;
	size_t nr;
	char (*dax_region_names)[24];
};

/* A value of a row, or false when the row has none (unknown or not applicable). */
typedef bool (*row_value_fn)(const struct prom_row *r, double *v);

struct prom_metric {
	const char *name;
	const char *help;
	row_value_fn value;
};

static bool pages_known(const struct prom_row *r)
{
	return r->pages && !r->pages->reason;
}

static bool value_enabled(const struct prom_row *r, double *v)
{
	*v = r->enabled;
	return true;
}

static bool value_size(const struct prom_row *r, double *v)
{
	*v = (double)r->size;
	return true;
}

static bool value_refs(const struct prom_row *r, double *v)
{
	*v = pages_known(r) ? (double)r->pages->counts.refs : 0;
	return pages_known(r);
}

static bool value_referenced(const struct prom_row *r, double *v)
{
	*v = pages_known(r) ? (double)r->pages->counts.referenced_pages : 0;
	return pages_known(r);
}

static bool value_pinned(const struct prom_row *r, double *v)
{
	*v = pages_known(r) ? (double)r->pages->counts.pinned_pages : 0;
	return pages_known(r);
}

static bool value_mapped(const struct prom_row *r, double *v)
{
	bool known = pages_known(r) && r->pages->counts.mapped_known;

	*v = known ? (double)r->pages->counts.mapped_pages : 0;
	return known;
}

static bool value_holders(const struct prom_row *r, double *v)
{
	*v = r->holders ? (double)r->holders->nr_holders : 0;
	return r->holders;
}

static const struct prom_metric row_metrics[] = {
	{ "daxpin_enabled", "1 when the region, namespace or dax device is enabled (bound to its driver), else 0.", value_enabled },
	{ "daxpin_size_bytes", "Usable size in bytes.", value_size },
	{ "daxpin_page_references", "Page references beyond idle and user mappings (a pipe after vmsplice, in-flight I/O, get_user_pages, DMA pins); no sample when page state is unknown.", value_refs },
	{ "daxpin_referenced_pages", "Base pages in folios with page references beyond idle and user mappings.", value_referenced },
	{ "daxpin_pinned_pages", "Base pages that may be DMA-pinned (FOLL_PIN: RDMA, VFIO, io_uring).", value_pinned },
	{ "daxpin_mapped_pages", "Base pages mapped by processes; only on kernels that count DAX mappings (6.15+).", value_mapped },
	{ "daxpin_holders", "Processes that map, open or pin the namespace or dax device, or own references to its pages.", value_holders },
};

/* A label value or HELP text as the text format wants it: \\ \" \n escaped. */
static void print_escaped(FILE *out, const char *s, bool quote)
{
	char *safe = str_escape(s, false);

	for (const char *p = safe; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '"' && quote)
			fputs("\\\"", out);
		else
			fputc(*p, out);
	}
	free(safe);
}

static void print_header(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	print_escaped(out, help, false);
	fprintf(out, "\n# TYPE %s gauge\n", name);
}

static void print_label(FILE *out, bool *first, const char *key, const char *value)
{
	if (!value || !value[0])
		return;
	fprintf(out, "%s%s=\"", *first ? "{" : ",", key);
	print_escaped(out, value, true);
	fputc('"', out);
	*first = false;
}

static void print_value(FILE *out, double v)
{
	/* integers as integers: counts and sizes stay exact up to 2^53 */
	if (v == (double)(uint64_t)v)
		fprintf(out, " %" PRIu64 "\n", (uint64_t)v);
	else
		fprintf(out, " %.6f\n", v);
}

static void print_row_sample(FILE *out, const char *name, const struct prom_row *r, double v)
{
	bool first = true;

	fputs(name, out);
	print_label(out, &first, "type", r->type);
	print_label(out, &first, "region", r->region);
	print_label(out, &first, "namespace", r->namespace);
	print_label(out, &first, "device", r->device);
	if (!first)
		fputc('}', out);
	print_value(out, v);
}

/* A metric without per-object labels: HELP, TYPE and its one sample. */
static void print_single(FILE *out, const char *name, const char *help,
			 const char *label, const char *label_value, double v)
{
	print_header(out, name, help);
	fputs(name, out);
	if (label) {
		/* an empty value would drop the label: a reason is always said */
		fprintf(out, "{%s=\"", label);
		print_escaped(out, label_value, true);
		fputs("\"}", out);
	}
	print_value(out, v);
}

static int rows_push(struct prom_rows *rs, struct prom_row row)
{
	struct prom_row *grown = realloc(rs->rows, (rs->nr + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	rs->rows = grown;
	rs->rows[rs->nr++] = row;
	return 0;
}

static int daxdev_rows(struct prom_rows *rs, const struct list_options *o,
		       const struct daxpin_daxdev *devs, size_t nr,
		       const char *region, const char *ns)
{
	for (size_t i = 0; i < nr; i++) {
		const struct daxpin_daxdev *d = &devs[i];

		if (list_daxdev_selected(o, d) &&
		    rows_push(rs, (struct prom_row){
				.type = "daxdev", .region = region, .namespace = ns,
				.device = d->dev, .enabled = d->driver != DAXPIN_DRIVER_NONE,
				.size = d->size, .pages = d->pages, .holders = d->holders }) < 0)
			return -1;
	}
	return 0;
}

static int rows_collect(struct prom_rows *rs, const struct daxpin_topology *t,
			const struct list_options *o)
{
	for (size_t i = 0; i < t->nr_regions; i++) {
		const struct daxpin_region *r = &t->regions[i];

		if (!list_region_selected(o, r))
			continue;
		if (rows_push(rs, (struct prom_row){ .type = "region", .region = r->dev,
						     .enabled = r->enabled, .size = r->size }) < 0)
			return -1;
		for (size_t j = 0; j < r->nr_namespaces; j++) {
			const struct daxpin_namespace *ns = &r->namespaces[j];

			if (!list_ns_selected(o, ns))
				continue;
			if (rows_push(rs, (struct prom_row){
					.type = "namespace", .region = r->dev, .namespace = ns->dev,
					.device = ns->blockdev, .enabled = ns->enabled, .size = ns->size,
					.pages = ns->pages, .holders = ns->holders }) < 0 ||
			    daxdev_rows(rs, o, ns->daxdevs, ns->nr_daxdevs, r->dev, ns->dev) < 0)
				return -1;
		}
	}
	rs->dax_region_names = calloc(t->nr_dax_regions + 1, sizeof(*rs->dax_region_names));
	if (!rs->dax_region_names)
		return -1;
	for (size_t i = 0; i < t->nr_dax_regions; i++) {
		const struct daxpin_dax_region *r = &t->dax_regions[i];

		snprintf(rs->dax_region_names[i], sizeof(rs->dax_region_names[i]),
			 "daxregion%d", r->id);
		if (daxdev_rows(rs, o, r->daxdevs, r->nr_daxdevs, rs->dax_region_names[i], NULL) < 0)
			return -1;
	}
	return 0;
}

/* The layout-break waiters: how many and the longest wait, in seconds. */
static void print_layouts(FILE *out, const struct daxpin_layouts *l)
{
	int64_t longest = 0;

	for (size_t i = 0; i < l->nr_waiters; i++)
		if (l->waiters[i].waited_ns > longest)
			longest = l->waiters[i].waited_ns;
	print_single(out, "daxpin_layout_waiters",
		     "Threads asleep in a filesystem-DAX layout break (truncate, hole punch, reflink; eviction and unmount on 6.15+).",
		     NULL, NULL, (double)l->nr_waiters);
	print_single(out, "daxpin_layout_wait_longest_seconds",
		     "The longest of those waits so far (at least: since the thread last ran); 0 without waiters.",
		     NULL, NULL, (double)longest / 1e9);
	print_single(out, "daxpin_layouts_complete",
		     "1 when every sleeping thread could be examined (root), else 0: daxpin_layout_waiters may miss some.",
		     NULL, NULL, l->complete);
}

int list_prometheus(FILE *out, const struct daxpin_topology *t, const struct list_options *o,
		    const struct daxpin_layouts *layouts, double scan_seconds)
{
	struct prom_rows rs = { 0 };
	const struct daxpin_topology_pages *tp = o->pages;

	if (rows_collect(&rs, t, o) < 0) {
		free(rs.rows);
		free(rs.dax_region_names);
		return -1;
	}
	for (size_t m = 0; m < sizeof(row_metrics) / sizeof(row_metrics[0]); m++) {
		bool header = false;

		for (size_t i = 0; i < rs.nr; i++) {
			double v;

			if (!row_metrics[m].value(&rs.rows[i], &v))
				continue;
			if (!header)
				print_header(out, row_metrics[m].name, row_metrics[m].help);
			header = true;
			print_row_sample(out, row_metrics[m].name, &rs.rows[i], v);
		}
	}
	print_single(out, "daxpin_page_state_available",
		     "1 when page state (references, pins) could be read from the kernel, else 0 with the reason.",
		     "reason", tp && tp->reason ? tp->reason : tp ? "available" : "no persistent memory",
		     tp && !tp->reason);
	if (o->holders)
		print_single(out, "daxpin_holders_complete",
			     "1 when every process was examined for holders, else 0 with the reason (run as root).",
			     "reason", o->holders->h->reason ? o->holders->h->reason : "complete",
			     o->holders->h->complete);
	if (layouts)
		print_layouts(out, layouts);
	print_single(out, "daxpin_scan_duration_seconds",
		     "How long this daxpin list run took to read the topology, page state, holders and layout waiters.",
		     NULL, NULL, scan_seconds);
	free(rs.rows);
	free(rs.dax_region_names);
	return 0;
}
