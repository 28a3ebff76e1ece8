/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_LIST_H
#define DAXPIN_LIST_H

#include <stdbool.h>

#include <daxpin/cxl.h>
#include <daxpin/daxpin.h>
#include <daxpin/topology_holders.h>
#include <daxpin/topology_memory.h>
#include <daxpin/topology_pages.h>

#include "holders_output.h"
#include "output.h"

/* The objects the filters name, found once (list_filter.c); NULL: no such filter. */
struct list_filter {
	const struct daxpin_region *region;
	const struct daxpin_namespace *ns;
	const struct daxpin_daxdev *daxdev;		/* --dev naming a dax device */
	const struct daxpin_namespace *blockdev_ns;	/* --dev naming a block device */
};

struct list_options {
	struct table_options table;
	const char *region;
	const char *namespace;
	const char *dev;
	const char *mode;
	bool json;
	/* --holders: who holds each namespace and dax device (NULL: not scanned) */
	const struct daxpin_topology_holders *holders;
	/* page state of each namespace and dax device (NULL: not scanned) */
	const struct daxpin_topology_pages *pages;
	bool pinned;		/* only objects with referenced or pinned pages */
	bool verbose;		/* the busy folios too */
	bool prometheus;	/* --format prometheus */
	/* the CXL regions feeding the regions (NULL: not scanned) */
	const struct daxpin_cxl *cxl;
	struct list_filter filter;
};

/*
 * Looks up the filters' names in t (o->filter); EXIT_OK, or the exit code
 * of an unknown name or mode, said on stderr.
 */
int list_filter_resolve(const struct daxpin_topology *t, struct list_options *o);

/* Which objects the filters keep; shared by the table, JSON and metrics. */
bool list_ns_selected(const struct list_options *o,
		      const struct daxpin_namespace *ns);
bool list_region_selected(const struct list_options *o,
			  const struct daxpin_region *r);
bool list_dax_region_selected(const struct list_options *o,
			      const struct daxpin_dax_region *r);
bool list_daxdev_selected(const struct list_options *o,
			  const struct daxpin_daxdev *d);

struct json_object *list_to_json(const struct daxpin_topology *t,
				 const struct list_options *o);

struct daxpin_layouts;

/*
 * --format prometheus: the metrics of the selected objects, the layout
 * waiters (NULL: not scanned) and how long the scans took; -1 when out of
 * memory.
 */
int list_prometheus(FILE *out, const struct daxpin_topology *t, const struct list_options *o,
		    const struct daxpin_layouts *layouts, double scan_seconds);

#endif
