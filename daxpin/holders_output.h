/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_CLI_HOLDERS_OUTPUT_H
#define DAXPIN_CLI_HOLDERS_OUTPUT_H

#include <json-c/json.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

#include "owners_json.h"

/* The access letters of a holder in fuser's order ("fm", "mp", "P", ...). */
#define ACCESS_STR_MAX 16
void access_str(unsigned int access, char buf[ACCESS_STR_MAX]);

/* [{"pid","comm","uid","user","cgroup","access","mapped_bytes",...}] */
struct json_object *holders_to_json(const struct daxpin_target_holders *th);

#endif
