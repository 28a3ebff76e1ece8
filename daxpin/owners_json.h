/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_OWNERS_JSON_H
#define DAXPIN_CLI_OWNERS_JSON_H

#include <json-c/json.h>

#include <daxpin/owners.h>

/* [{"kind","fd","inode","end","pages","exact"}]: what an owner holds, fd by fd */
struct json_object *references_to_json(const struct daxpin_owner *ow);

/* [{"pid","comm","uid","references"}]: the owners of one target's references */
struct json_object *owner_list_to_json(const struct daxpin_target_owners *to);

#endif
