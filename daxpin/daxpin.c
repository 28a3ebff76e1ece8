// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daxpin/daxpin.h>

#include "builtin.h"
#include "config.h"
#include "exitcodes.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct daxpin_ctx *ctx);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "list", cmd_list, "show regions, namespaces and dax devices" },
	{ "holders", cmd_holders, "show the processes that map, open or pin a device or file" },
	{ "layouts", cmd_layouts, "show the threads waiting in a DAX layout break, or wait for them" },
	{ "break-layouts", cmd_break_layouts, "force a DAX layout break of files without changing them" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: daxpin [--version] [--help] COMMAND [ARGS]\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\nSee 'daxpin help COMMAND' or 'man daxpin-COMMAND'.\n");
}

static const struct cmd_struct *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* "daxpin help CMD" shows the man page, like git and ndctl. */
static int cmd_help(int argc, char **argv)
{
	char page[64];

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!cmd_find(argv[1])) {
		fprintf(stderr, "daxpin: '%s' is not a daxpin command; see 'daxpin --help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	snprintf(page, sizeof(page), "daxpin-%s", argv[1]);
	execlp("man", "man", page, (char *)NULL);
	fprintf(stderr, "daxpin: cannot run man for %s (%s); try 'daxpin %s --help'\n",
		page, strerror(errno), argv[1]);
	return EXIT_FAILURE_;
}

/* A full disk or closed pipe must not look like success to a script. */
static int flush_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno != EPIPE)
			fprintf(stderr, "daxpin: write error on standard output: %s\n",
				strerror(errno));
		return rc == EXIT_OK || rc == EXIT_NONE ? EXIT_FAILURE_ : rc;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	struct daxpin_ctx *ctx;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("%s\n", DAXPIN_VERSION);
		return flush_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	cmd = cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "daxpin: unknown command '%s'; see 'daxpin --help'\n",
			argv[1]);
		return EXIT_USAGE;
	}
	rc = daxpin_new(&ctx);
	if (rc < 0) {
		fprintf(stderr, "daxpin: cannot initialise: %s\n", strerror(-rc));
		return EXIT_FAILURE_;
	}
	rc = cmd->fn(argc - 1, argv + 1, ctx);
	daxpin_unref(ctx);
	return flush_stdout(rc);
}
