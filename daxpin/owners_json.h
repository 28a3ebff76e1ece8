/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_OWNERS_JSON_H
#define DAXPIN_CLI_OWNERS_JSON_H

#include <stddef.h>

#include <json-c/json.h>

#include <daxpin/owners.h>

/*
 * One reference owned, in words: "3 pages in pipe fd 4 (inode 229, read
 * end)", or a hint marked as one.
 */
void reference_describe(const struct daxpin_reference *r, char *buf, size_t size);

/* [{"kind","fd","inode","end","pages","exact"}]: what an owner holds, fd by fd */
struct json_object *references_to_json(const struct daxpin_owner *ow);

/* [{"pid","comm","uid","references"}]: the owners of one target's references */
struct json_object *owner_list_to_json(const struct daxpin_target_owners *to);

#endif
