// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin list --json: the same key names ndctl and daxctl use for the same
 * facts, so operators can join the outputs; daxpin's own facts (pfn
 * ranges, mounts) under keys of their own.
 */
#include <stdint.h>

#include "cxl_output.h"
#include "folio_json.h"
#include "list.h"

static void add(struct json_object *obj, const char *key, struct json_object *val)
{
	xjson_add(obj, key, val);
}

static void add_string(struct json_object *obj, const char *key, const char *s)
{
	if (s && s[0])
		add(obj, key, xjson_string(s));
}

#define RANGES_HIDDEN_REASON "physical addresses are shown to root only"

/* Unknown ranges are null with a reason, never an empty list that reads as "none". */
static void add_pfn_ranges(struct json_object *obj, const struct daxpin_pfn_range *r,
			   size_t nr, bool known)
{
	struct json_object *a = known ? xjson_array() : NULL;

	for (size_t i = 0; a && i < nr; i++) {
		struct json_object *j = xjson_object();

		add(j, "pfn", xjson_uint64(r[i].pfn));
		add(j, "count", xjson_uint64(r[i].count));
		xjson_append(a, j);
	}
	add(obj, "pfn_ranges", a);
	if (!known)
		add_string(obj, "pfn_ranges_reason", RANGES_HIDDEN_REASON);
}

/* The pids owning references to a busy folio; null with a reason if unknown. */
static void add_folio_owners(struct json_object *j, const struct daxpin_topology_pages *tp,
			     const struct daxpin_page_busy *b)
{
	pid_t pids[64];
	size_t nr;
	struct json_object *a;

	if (!tp->owners || tp->owners->reason) {
		add(j, "owners", NULL);
		add_string(j, "owners_reason", tp->owners ? tp->owners->reason :
			   "not searched");
		return;
	}
	nr = daxpin_folio_owners(tp, b->pfn, b->nr_pages, pids, sizeof(pids) / sizeof(pids[0]));
	a = xjson_array();
	for (size_t i = 0; i < nr; i++)
		xjson_append(a, xjson_int(pids[i]));
	add(j, "owners", a);
}

static struct json_object *busy_to_json(const struct daxpin_page_counts *c,
					const struct daxpin_topology_pages *tp)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < c->nr_busy; i++) {
		const struct daxpin_page_busy *b = &c->busy[i];
		struct json_object *j = busy_folio_to_json(b);

		add_folio_owners(j, tp, b);
		xjson_append(a, j);
	}
	return a;
}

/*
 * Page state of a namespace or dax device with struct pages: counts, or
 * nulls and "pin_source" saying why they are unknown (never a fake 0).
 */
static void add_pages(struct json_object *obj, const struct list_options *o,
		      const struct daxpin_object_pages *p)
{
	const struct daxpin_page_counts *c;

	if (!p)
		return;
	c = &p->counts;
	add(obj, "refs", p->reason ? NULL : xjson_uint64(c->refs));
	add(obj, "referenced", p->reason ? NULL : xjson_uint64(c->referenced_pages));
	add(obj, "pinned", p->reason ? NULL : xjson_uint64(c->pinned_pages));
	add(obj, "mapped", p->reason || !c->mapped_known ? NULL :
			   xjson_uint64(c->mapped_pages));
	if (!p->reason && !c->mapped_known)
		add_string(obj, "mapped_reason",
			   "this kernel does not count DAX mappings (before 6.15): see holders");
	add(obj, "max_refcount", p->reason ? NULL : xjson_int(c->max_refcount));
	add_string(obj, "pin_source", p->reason ? p->reason : "bpf");
	if (o->verbose && !p->reason)
		add(obj, "busy", busy_to_json(c, o->pages));
}

/* With --holders: "holders": [...] of a namespace or dax device (daxpin holders --json's objects). */
static void add_holders(struct json_object *obj, const struct daxpin_target_holders *th)
{
	if (th)
		add(obj, "holders", holders_to_json(th));
}

/*
 * System RAM: daxctl's keys for its blocks, and the pages that keep them
 * from going offline; null with memory_reason when unknown.
 */
static void add_memory(struct json_object *j, const struct daxpin_memory *m)
{
	const char *pages_reason = m ? m->pages_reason : NULL;

	add(j, "online_memblocks", m ? xjson_uint64(daxpin_memory_online(m)) : NULL);
	add(j, "total_memblocks", m ? xjson_uint64(m->nr_blocks) : NULL);
	add(j, "movable", m ? xjson_bool(daxpin_memory_movable(m)) : NULL);
	add(j, "blocking_pages", m && !pages_reason ? xjson_uint64(daxpin_memory_blocking(m)) : NULL);
	if (!m || pages_reason)
		add_string(j, "memory_reason", m ? pages_reason :
			   "its memory blocks are found from physical addresses, which the kernel shows to root only");
}

static struct json_object *daxdev_to_json(const struct daxpin_daxdev *d,
					  const struct list_options *o)
{
	struct json_object *j = xjson_object();
	struct json_object *maps = d->ranges_known ? xjson_array() : NULL;

	add_string(j, "chardev", d->dev);
	add(j, "size", json_size(d->size, &o->table));
	if (d->target_node >= 0)
		add(j, "target_node", xjson_int(d->target_node));
	/* an alignment, not a capacity: a number even with -u, as for regions and namespaces */
	if (d->align)
		add(j, "align", xjson_uint64(d->align));
	add_string(j, "mode", daxpin_daxdev_mode_name(d));
	if (d->driver == DAXPIN_DRIVER_NONE)
		add_string(j, "state", "disabled");
	add(j, "driver", xjson_string(d->driver_name));
	if (!d->driver_name)
		add_string(j, "driver_reason", d->driver == DAXPIN_DRIVER_NONE ?
			   "disabled: bound to no driver" : "the bound driver could not be read");
	add(j, "major", xjson_int((int)d->major));
	add(j, "minor", xjson_int((int)d->minor));
	for (size_t i = 0; maps && i < d->nr_mappings; i++) {
		const struct daxpin_mapping *m = &d->mappings[i];
		struct json_object *jm = xjson_object();

		add(jm, "page_offset", xjson_uint64(m->page_offset));
		add(jm, "start", xjson_uint64(m->start));
		add(jm, "end", xjson_uint64(m->end));
		add(jm, "size", json_size(m->end - m->start + 1, &o->table));
		xjson_append(maps, jm);
	}
	add(j, "mappings", maps);
	add_pfn_ranges(j, d->ranges, d->nr_ranges, d->ranges_known);
	add_pages(j, o, d->pages);
	add_holders(j, d->holders);
	if (d->driver == DAXPIN_DRIVER_KMEM)
		add_memory(j, d->memory);
	return j;
}

static struct json_object *daxdevs_to_json(const struct daxpin_daxdev *devs,
					   size_t nr, const struct list_options *o)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < nr; i++)
		if (list_daxdev_selected(o, &devs[i]))
			xjson_append(a, daxdev_to_json(&devs[i], o));
	return a;
}

static struct json_object *mounts_to_json(const struct daxpin_namespace *ns)
{
	struct json_object *a = xjson_array();

	for (size_t i = 0; i < ns->nr_mounts; i++) {
		struct json_object *j = xjson_object();

		add_string(j, "target", ns->mounts[i].target);
		add_string(j, "fstype", ns->mounts[i].fstype);
		add(j, "dax", ns->mounts[i].dax ?
			xjson_string(ns->mounts[i].dax) : NULL);
		xjson_append(a, j);
	}
	return a;
}

static struct json_object *namespace_to_json(const struct daxpin_namespace *ns,
					     const struct list_options *o)
{
	struct json_object *j = xjson_object();

	add_string(j, "dev", ns->dev);
	add_string(j, "mode", daxpin_ns_mode_name(ns->mode));
	add_string(j, "map", daxpin_map_name(ns->map));
	add(j, "size", json_size(ns->size, &o->table));
	add_string(j, "uuid", ns->uuid);
	if (ns->sector_size)
		add(j, "sector_size", xjson_int((int)ns->sector_size));
	if (ns->align)
		add(j, "align", xjson_uint64(ns->align));
	add_string(j, "blockdev", ns->blockdev);
	if (ns->nr_daxdevs)
		add_string(j, "chardev", ns->daxdevs[0].dev);
	if (!ns->enabled)
		add_string(j, "state", "disabled");
	if (ns->mode == DAXPIN_NS_MODE_DEVDAX) {
		struct json_object *r = xjson_object();

		if (ns->nr_daxdevs)
			add(r, "id", xjson_int(ns->daxdevs[0].region_id));
		add(r, "devices", daxdevs_to_json(ns->daxdevs, ns->nr_daxdevs, o));
		add(j, "daxregion", r);
	}
	if (ns->blockdev)
		add(j, "mounts", mounts_to_json(ns));
	add_pfn_ranges(j, ns->ranges, ns->nr_ranges, ns->ranges_known);
	add_pages(j, o, ns->pages);
	add_holders(j, ns->holders);
	return j;
}

static struct json_object *region_to_json(const struct daxpin_region *r,
					  const struct list_options *o)
{
	struct json_object *j = xjson_object();
	struct json_object *nss = xjson_array();
	const struct daxpin_cxl_region *c;
	const char *reason;

	add_string(j, "dev", r->dev);
	add(j, "size", json_size(r->size, &o->table));
	add(j, "align", xjson_uint64(r->align));
	add(j, "available_size", json_size(r->available_size, &o->table));
	add_string(j, "type", r->type);
	if (!r->enabled)
		add_string(j, "state", "disabled");
	c = daxpin_cxl_region_of(o->cxl, r, &reason);
	cxl_add_lineage(j, c, reason, &o->table);
	for (size_t i = 0; i < r->nr_namespaces; i++)
		if (list_ns_selected(o, &r->namespaces[i]))
			xjson_append(nss, namespace_to_json(&r->namespaces[i], o));
	add(j, "namespaces", nss);
	return j;
}

struct json_object *list_to_json(const struct daxpin_topology *t,
				 const struct list_options *o)
{
	struct json_object *root = xjson_object();
	struct json_object *regions = xjson_array();
	struct json_object *dax_regions = xjson_array();

	for (size_t i = 0; i < t->nr_regions; i++)
		if (list_region_selected(o, &t->regions[i]))
			xjson_append(regions,
					      region_to_json(&t->regions[i], o));
	for (size_t i = 0; i < t->nr_dax_regions; i++) {
		const struct daxpin_dax_region *r = &t->dax_regions[i];
		struct json_object *j;

		if (!list_dax_region_selected(o, r))
			continue;
		j = xjson_object();
		add(j, "id", xjson_int(r->id));
		add(j, "size", json_size(r->size, &o->table));
		add(j, "align", xjson_uint64(r->align));
		cxl_add_lineage(j, daxpin_cxl_region_of_dax(o->cxl, r), NULL, &o->table);
		add(j, "devices", daxdevs_to_json(r->daxdevs, r->nr_daxdevs, o));
		xjson_append(dax_regions, j);
	}
	add(root, "regions", regions);
	add(root, "dax_regions", dax_regions);
	if (o->pages) {
		const struct daxpin_pagestate *ps = o->pages->reason ? NULL : o->pages->ps;

		add(root, "page_semantics", ps ? xjson_string(
			daxpin_page_semantics_name(daxpin_pagestate_semantics(ps))) : NULL);
		add_string(root, "pin_source", o->pages->reason ? o->pages->reason : "bpf");
	}
	if (o->holders) {
		/* a holders array without holders is only "none" when complete */
		add(root, "holders_complete", xjson_bool(o->holders->h->complete));
		add_string(root, "holders_reason", o->holders->h->reason);
		/* the owners of page references are holders too, if they could be searched */
		add(root, "owners_searched", xjson_bool(!o->holders->owners_reason));
		add_string(root, "owners_reason", o->holders->owners_reason);
	}
	return root;
}
