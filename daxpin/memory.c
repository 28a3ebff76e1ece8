// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin memory [--dev NAME]: the memory blocks of system-RAM (kmem) dax
 * devices in lsmem's terms, with what keeps each from going offline.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daxpin/pagestate.h>
#include <daxpin/topology_memory.h>

#include "builtin.h"
#include "exitcodes.h"
#include "memblock_output.h"
#include "options.h"
#include "output.h"

enum {
	COL_RANGE,
	COL_SIZE,
	COL_STATE,
	COL_REMOVABLE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONES,
	COL_DEVICE,
	COL_FREE,
	COL_BLOCKING,
	COL_BLOCKERS,
};

static const struct column memory_columns[] = {
	[COL_RANGE] = { "RANGE", 0.2, 0, "physical address range of the block" },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "size of the block" },
	[COL_STATE] = { "STATE", 7, 0, "online, offline or going-offline" },
	[COL_REMOVABLE] = { "REMOVABLE", 3, 0, "whether the kernel calls the block removable" },
	[COL_BLOCK] = { "BLOCK", 5, SCOLS_FL_RIGHT, "memory block number (memoryN)" },
	[COL_NODE] = { "NODE", 2, SCOLS_FL_RIGHT, "NUMA node" },
	[COL_ZONES] = { "ZONES", 8, 0, "the zone of an online block, the zones an offline one may join" },
	[COL_DEVICE] = { "DEVICE", 6, 0, "the dax device the block's memory comes from" },
	[COL_FREE] = { "FREE", 6, SCOLS_FL_RIGHT, "pages in the page allocator (root)" },
	[COL_BLOCKING] = { "BLOCKING", 8, SCOLS_FL_RIGHT, "pages that keep the block from going offline (root)" },
	[COL_BLOCKERS] = { "BLOCKERS", 0.3, 0, "what those pages are: referenced, pinned, slab, page tables, reserved, kernel" },
};

static const int memory_default_columns[] = {
	COL_RANGE, COL_SIZE, COL_STATE, COL_REMOVABLE, COL_BLOCK, COL_ZONES, COL_DEVICE,
	COL_BLOCKING, COL_BLOCKERS,
};

struct memory_row {
	const struct daxpin_daxdev *dev;
	const struct daxpin_memory *m;
	const struct daxpin_memblock *b;
	bool bytes;
};

static char *blockers_str(const struct daxpin_memblock *b)
{
	char *s = NULL, *next;

	for (size_t k = 0; k < MEMBLOCK_BLOCKER_KINDS; k++) {
		uint64_t n = memblock_blocker_count(&b->pages, k);

		if (!n)
			continue;
		next = printf_str("%s%s%" PRIu64 " %s", s ? s : "", s ? ", " : "", n,
				  memblock_blocker_name(k));
		free(s);
		s = next;
	}
	return s;
}

static char *memory_cell(int col, const void *r)
{
	const struct memory_row *row = r;
	const struct daxpin_memblock *b = row->b;

	switch (col) {
	case COL_RANGE:
		return printf_str("0x%016" PRIx64 "-0x%016" PRIx64, b->start, b->start + b->size - 1);
	case COL_SIZE:
		return size_to_str(b->size, row->bytes);
	case COL_STATE:
		return strdup(daxpin_memblock_state_name(b->state));
	case COL_REMOVABLE:
		return strdup(b->removable ? "yes" : "no");
	case COL_BLOCK:
		return printf_str("%lu", b->id);
	case COL_NODE:
		return b->node >= 0 ? printf_str("%d", b->node) : NULL;
	case COL_ZONES:
		return b->valid_zones ? strdup(b->valid_zones) : NULL;
	case COL_DEVICE:
		return strdup(row->dev->dev);
	case COL_FREE:
	case COL_BLOCKING:
		if (b->state == DAXPIN_MEMBLOCK_OFFLINE)
			return NULL;
		if (!b->pages_known)
			return strdup("-");
		return printf_str("%" PRIu64, col == COL_FREE ? b->pages.free :
				  daxpin_memblock_blocking(b));
	case COL_BLOCKERS:
		return b->pages_known ? blockers_str(b) : NULL;
	}
	return NULL;
}

/* The kernel policies that make an offline fail or undo it, where they apply. */
static void memory_notes(const struct daxpin_memory *m, void (*note)(const char *, void *), void *arg)
{
	bool normal = false;

	for (size_t i = 0; i < m->nr_blocks; i++)
		normal |= m->blocks[i].zone == DAXPIN_ZONE_NORMAL;
	if (normal)
		note("blocks in ZONE_NORMAL take kernel allocations that can never move, so their offline is never guaranteed; online them movable (daxctl reconfigure-device -m system-ram --movable)", arg);
	if (m->auto_online[0] && strcmp(m->auto_online, "offline"))
		note("auto_online_blocks is not 'offline': the kernel onlines hot-added memory by itself, so memory given back to it may come online again", arg);
	for (size_t i = 0; i < m->nr_blocks; i++)
		if (m->blocks[i].pages_known && m->blocks[i].pages.reserved) {
			note("reserved pages (memmap_on_memory keeps a block's struct pages inside it) go only with the whole device: they block an offline of their block alone", arg);
			break;
		}
}

static void note_stderr(const char *text, void *arg)
{
	fprintf(stderr, "daxpin memory: %s: %s\n", (const char *)arg, text);
}

static void note_json(const char *text, void *arg)
{
	xjson_append(arg, xjson_string(text));
}

enum { OPT_DEV = 256 };

static const struct command_option memory_command_options[] = {
	{ OPT_DEV, "dev", "NAME", "only the blocks of this dax device (dax0.0)" },
	OPTION_GROUP("Output:"),
	{ 'J', "json", NULL, "JSON with lsmem's key names" },
	{ 'o', "output", "LIST", "columns to show; +LIST adds to the default" },
	{ 'H', "list-columns", NULL, "describe the columns and exit" },
	{ 'n', "noheadings", NULL, "no header line" },
	{ 'r', "raw", NULL, "raw table (no alignment)" },
	{ 'b', "bytes", NULL, "sizes in bytes" },
};

static const struct command_spec memory_command = {
	.name = "memory",
	.usage = "daxpin memory [OPTIONS]\n\n"
		"Show the memory blocks of system-RAM dax devices and what keeps each from\n"
		"going offline.",
	.options = memory_command_options,
	.nr_options = ARRAY_SIZE(memory_command_options),
	.exit_status = "0 listed, 3 unknown device or not system-ram, 4 its blocks need root,\n"
		"10 no system-ram device, 1 failure, 2 usage.",
	.columns = memory_columns,
	.nr_columns = ARRAY_SIZE(memory_columns),
};

struct memory_devices {
	const char *dev;			/* --dev, or NULL for every one */
	const struct daxpin_daxdev **out;
	size_t max, nr;
	size_t nr_kmem;				/* kmem devices, blocks read or not */
};

static bool memory_device_add(const struct daxpin_daxdev *d, void *arg)
{
	struct memory_devices *md = arg;

	if (d->driver != DAXPIN_DRIVER_KMEM || (md->dev && strcmp(md->dev, d->dev)))
		return false;
	md->nr_kmem++;
	if (d->memory && md->nr < md->max)
		md->out[md->nr++] = d;
	return false;
}

#define MEMORY_DEVICES_MAX 256

static int memory_print(const struct daxpin_daxdev *const *devs, size_t nr, bool json,
			const struct table_options *topt, const struct column_selection *sel)
{
	if (json) {
		struct json_object *root = xjson_object(), *blocks = xjson_array();
		struct json_object *notes = xjson_array();

		for (size_t i = 0; i < nr; i++) {
			const struct daxpin_memory *m = devs[i]->memory;

			for (size_t b = 0; b < m->nr_blocks; b++)
				xjson_append(blocks, memblock_to_json(devs[i]->dev, &m->blocks[b], m->pages_reason, topt));
			memory_notes(m, note_json, notes);
		}
		xjson_add(root, "memory", blocks);
		xjson_add(root, "notes", notes);
		json_print(stdout, root);
		json_object_put(root);
		return 0;
	}
	struct libscols_table *tb = table_new(topt, memory_columns, sel);
	int rc = 0;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < nr && !rc; i++) {
		const struct daxpin_memory *m = devs[i]->memory;

		for (size_t b = 0; b < m->nr_blocks && !rc; b++)
			rc = table_add_line(tb, NULL, sel, memory_cell,
					    &(struct memory_row){ devs[i], m, &m->blocks[b], topt->bytes },
					    NULL);
	}
	if (!rc)
		scols_print_table(tb);
	scols_unref_table(tb);
	for (size_t i = 0; i < nr; i++) {
		if (devs[i]->memory->pages_reason && daxpin_memory_online(devs[i]->memory))
			fprintf(stderr, "daxpin memory: %s: FREE, BLOCKING and BLOCKERS unknown: %s\n",
				devs[i]->dev, devs[i]->memory->pages_reason);
		memory_notes(devs[i]->memory, note_stderr, (void *)devs[i]->dev);
	}
	return rc;
}

int cmd_memory(int argc, char **argv, struct daxpin_ctx *ctx)
{
	const struct daxpin_daxdev *devs[MEMORY_DEVICES_MAX];
	struct table_options topt = {};
	struct daxpin_topology_memory tm;
	struct daxpin_pagestate *ps = NULL;
	struct column_selection sel;
	struct daxpin_topology *t;
	const char *dev = NULL;
	bool json = false;
	struct memory_devices md;
	int c, rc;

	while ((c = command_option(&memory_command, &topt, argc, argv)) > 0) {
		switch (c) {
		case OPT_DEV:
			dev = strncmp(optarg, "/dev/", 5) ? optarg : optarg + 5;
			break;
		case 'J': json = true; break;
		}
	}
	if (c < 0)
		return -1 - c;
	if (json && (topt.noheadings || topt.raw || topt.bytes || topt.output)) {
		fprintf(stderr, "daxpin memory: -%c is a table option and cannot be combined with -J\n",
			topt.noheadings ? 'n' : topt.raw ? 'r' : topt.bytes ? 'b' : 'o');
		return EXIT_USAGE;
	}
	if (optind < argc) {
		error_line("daxpin memory: unexpected argument '%s'; name a device with --dev %s",
			   argv[optind], argv[optind]);
		return EXIT_USAGE;
	}
	if (columns_select("memory", topt.output, memory_columns, ARRAY_SIZE(memory_columns),
			   memory_default_columns, ARRAY_SIZE(memory_default_columns), &sel) < 0)
		return EXIT_USAGE;
	rc = daxpin_topology_scan(ctx, &t);
	if (rc < 0) {
		fprintf(stderr, "daxpin memory: cannot read the dax topology: %s\n", strerror(-rc));
		return EXIT_FAILURE_;
	}
	if (dev) {
		struct daxpin_object obj;

		if (daxpin_topology_lookup(t, dev, &obj) || !obj.daxdev) {
			error_line("daxpin memory: no dax device '%s'; see daxpin list --mode system-ram", dev);
			daxpin_topology_free(t);
			return EXIT_NOT_FOUND;
		}
		if (obj.daxdev->driver != DAXPIN_DRIVER_KMEM) {
			error_line("daxpin memory: %s is %s, not system-ram; its pages are in daxpin list", dev,
				   daxpin_daxdev_mode_name(obj.daxdev));
			daxpin_topology_free(t);
			return EXIT_NOT_FOUND;
		}
	}
	/* the blocks alone need no privilege; their pages need the BPF scan */
	if (daxpin_pagestate_open(ctx, &ps) == -ENOMEM ||
	    daxpin_topology_memory_scan(ctx, t, ps, &tm) < 0) {
		fprintf(stderr, "daxpin memory: out of memory\n");
		rc = EXIT_FAILURE_;
		goto out;
	}
	md = (struct memory_devices){ .dev = dev, .out = devs, .max = ARRAY_SIZE(devs) };
	daxpin_topology_find_daxdev(t, memory_device_add, &md);
	if (!md.nr && md.nr_kmem) {
		fprintf(stderr, "daxpin memory: the memory blocks of %zu system-ram device%s cannot be read: their physical addresses are shown to root only\n",
			md.nr_kmem, md.nr_kmem == 1 ? "" : "s");
		rc = EXIT_PERMISSION;
	} else if (!md.nr) {
		fprintf(stderr, "daxpin memory: no system-ram dax device\n");
		rc = EXIT_NONE;
	} else {
		rc = memory_print(devs, md.nr, json, &topt, &sel) < 0 ? EXIT_FAILURE_ : EXIT_OK;
	}
	daxpin_topology_memory_free(&tm);
out:
	daxpin_pagestate_close(ps);
	daxpin_topology_free(t);
	return rc;
}
