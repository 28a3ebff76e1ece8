// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin list's filters (--region, --namespace, --dev, --mode, --pinned):
 * each name is looked up once in the topology (daxpin_topology_lookup()),
 * and the table, JSON and metrics keep the objects it found, compared by
 * identity.
 */
#include <string.h>

#include "exitcodes.h"
#include "list.h"

/* "/dev/NAME" and NAME alike, as for every daxpin name */
static const char *without_dev(const char *name)
{
	return strncmp(name, "/dev/", 5) == 0 ? name + 5 : name;
}

static bool mode_known(const char *mode)
{
	static const char *const modes[] = { "raw", "sector", "fsdax", "devdax",
					     "system-ram", "famfs" };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(mode, modes[i]) == 0)
			return true;
	return false;
}

/* An unknown name is an error, not an empty list: a typo must not look like "nothing there". */
int list_filter_resolve(const struct daxpin_topology *t, struct list_options *o)
{
	struct list_filter *f = &o->filter;
	struct daxpin_object obj;
	const char *what = NULL, *name = NULL;

	if (o->mode && !mode_known(o->mode)) {
		error_line("daxpin list: unknown mode '%s'; use raw, sector, fsdax, devdax, system-ram or famfs",
			   o->mode);
		return EXIT_USAGE;
	}
	if (o->region) {
		if (daxpin_topology_lookup(t, without_dev(o->region), &obj) == 0)
			f->region = obj.region;
		if (!f->region)
			what = "region", name = o->region;
	}
	if (o->namespace && !what) {
		const char *n = without_dev(o->namespace);

		if (daxpin_topology_lookup(t, n, &obj) == 0 && obj.ns && strcmp(obj.ns->dev, n) == 0)
			f->ns = obj.ns;
		if (!f->ns)
			what = "namespace", name = o->namespace;
	}
	if (o->dev && !what) {
		const char *n = without_dev(o->dev);

		if (daxpin_topology_lookup(t, n, &obj) == 0) {
			f->daxdev = obj.daxdev;
			if (obj.ns && obj.ns->blockdev && strcmp(obj.ns->blockdev, n) == 0)
				f->blockdev_ns = obj.ns;
		}
		if (!f->daxdev && !f->blockdev_ns)
			what = "device", name = o->dev;
	}
	if (what) {
		error_line("daxpin list: no %s '%s' on this system; see 'daxpin list' for what exists",
			   what, name);
		return EXIT_NOT_FOUND;
	}
	return EXIT_OK;
}

static bool ns_has_dev(const struct list_filter *f, const struct daxpin_namespace *ns)
{
	return f->blockdev_ns == ns || (f->daxdev && f->daxdev->ns == ns);
}

/* --pinned keeps system RAM whose blocks pages keep online */
static bool memory_blocked(const struct daxpin_daxdev *d)
{
	return d->memory && !d->memory->pages_reason && daxpin_memory_blocking(d->memory);
}

static bool ns_memory_blocked(const struct daxpin_namespace *ns)
{
	for (size_t i = 0; i < ns->nr_daxdevs; i++)
		if (memory_blocked(&ns->daxdevs[i]))
			return true;
	return false;
}

bool list_ns_selected(const struct list_options *o,
		      const struct daxpin_namespace *ns)
{
	const struct list_filter *f = &o->filter;

	if (o->pinned && !daxpin_object_pages_busy(ns->pages) && !ns_memory_blocked(ns))
		return false;
	if (o->region && ns->region != f->region)
		return false;
	if (o->namespace && ns != f->ns)
		return false;
	if (o->dev && !ns_has_dev(f, ns))
		return false;
	if (o->mode) {
		bool match = strcmp(o->mode, daxpin_ns_mode_name(ns->mode)) == 0;

		for (size_t i = 0; i < ns->nr_daxdevs; i++)
			match |= strcmp(o->mode,
					daxpin_daxdev_mode_name(&ns->daxdevs[i])) == 0;
		if (!match)
			return false;
	}
	return true;
}

bool list_region_selected(const struct list_options *o,
			  const struct daxpin_region *r)
{
	if (o->region && r != o->filter.region)
		return false;
	if (!o->namespace && !o->dev && !o->mode && !o->pinned)
		return true;
	for (size_t i = 0; i < r->nr_namespaces; i++)
		if (list_ns_selected(o, &r->namespaces[i]))
			return true;
	return false;
}

bool list_daxdev_selected(const struct list_options *o,
			  const struct daxpin_daxdev *d)
{
	if (o->pinned && !daxpin_object_pages_busy(d->pages) && !memory_blocked(d))
		return false;
	if (d->ns)
		return list_ns_selected(o, d->ns);
	if (o->region || o->namespace)
		return false;
	if (o->dev && d != o->filter.daxdev)
		return false;
	return !o->mode || strcmp(o->mode, daxpin_daxdev_mode_name(d)) == 0;
}

bool list_dax_region_selected(const struct list_options *o,
			      const struct daxpin_dax_region *r)
{
	for (size_t i = 0; i < r->nr_daxdevs; i++)
		if (list_daxdev_selected(o, &r->daxdevs[i]))
			return true;
	return false;
}
