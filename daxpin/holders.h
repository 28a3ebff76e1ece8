/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_HOLDERS_H
#define DAXPIN_CLI_HOLDERS_H

#include <json-c/json.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

#include "owners_json.h"

/* The access letters of a holder in fuser's order ("fm", "mp", "P", ...). */
#define ACCESS_STR_MAX 16
void access_str(unsigned int access, char buf[ACCESS_STR_MAX]);

/* [{"pid","comm","uid","user","cgroup","access","mapped_bytes",...}] */
struct json_object *holders_to_json(const struct daxpin_target_holders *th);

/*
 * The holders of every namespace and dax device of a topology, found by
 * one scan, reference owners included (for daxpin list --holders).
 */
struct topology_holders {
	struct daxpin_holders *h;
	const void **objs;	/* namespace or daxdev of each target */
	size_t nr;
};

int topology_holders_scan(struct daxpin_ctx *ctx, const struct daxpin_topology *t,
			  struct topology_holders *th);
/* The holders of a namespace or dax device of the scanned topology; NULL if not scanned. */
const struct daxpin_target_holders *topology_holders_of(const struct topology_holders *th,
							 const void *obj);
void topology_holders_free(struct topology_holders *th);

#endif
