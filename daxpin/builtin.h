/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_BUILTIN_H
#define DAXPIN_BUILTIN_H

struct daxpin_ctx;

/* Each returns an enum daxpin_exit value. */
int cmd_list(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_memory(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_holders(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_drain(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_layouts(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_break_layouts(int argc, char **argv, struct daxpin_ctx *ctx);
int cmd_watch(int argc, char **argv, struct daxpin_ctx *ctx);

#endif
