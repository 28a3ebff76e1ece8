// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <daxpin/daxpin.h>
#include <daxpin/drain.h>

#include "builtin.h"
#include "config.h"
#include "exitcodes.h"
#include "output.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct daxpin_ctx *ctx);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "list", cmd_list, "show regions, namespaces and dax devices" },
	{ "memory", cmd_memory, "show the memory blocks of system-RAM dax devices and what blocks their offline" },
	{ "holders", cmd_holders, "show the processes that map, open or pin a device or file" },
	{ "drain", cmd_drain, "disable a dax device, namespace or region once nothing holds it" },
	{ "layouts", cmd_layouts, "show the threads waiting in a DAX layout break, or wait for them" },
	{ "break-layouts", cmd_break_layouts, "force a DAX layout break of files without changing them" },
	{ "watch", cmd_watch, "report device, page-state, holder and layout-break changes as they happen" },
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

/* The command called name, or NULL after the line that says there is none. */
static const struct cmd_struct *cmd_find(const char *name)
{
	char *safe;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	safe = str_escape(name, true);
	fprintf(stderr, "daxpin: unknown command '%s'; see 'daxpin --help'\n", safe);
	free(safe);
	return NULL;
}

/* Runs man quietly with these arguments; true if it exited 0. */
static bool run_man(const char *const *args)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp("man", (char *const *)args);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/*
 * "daxpin help CMD" shows the man page, like git and ndctl; where none is
 * installed (or man is missing), the command's built-in help.
 */
static int cmd_help(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	char page[64], help[] = "--help";
	char *help_argv[] = { argv[1], help, NULL };

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = cmd_find(argv[1]);
	if (!cmd)
		return EXIT_USAGE;
	snprintf(page, sizeof(page), "daxpin-%s", cmd->name);
	if (run_man((const char *const[]){ "man", "-w", page, NULL })) {
		execlp("man", "man", page, (char *)NULL);
		fprintf(stderr, "daxpin: cannot run man for %s (%s); try 'daxpin %s --help'\n",
			page, strerror(errno), cmd->name);
		return EXIT_FAILURE_;
	}
	optind = 1;
	return cmd->fn(2, help_argv, NULL);
}

/*
 * The soft open-file limit raised to the hard one, as systemd does for its
 * tools: a holders scan with BPF iterators and a drain with a pidfd per
 * holder need more than the 1024 a login shell gives; daxpin never uses
 * select(), the one reason for a low soft limit.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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

/* " (pid N)" of a gone drain, or "" when its pid is unknown. */
static const char *drain_pid(pid_t owner, char *buf, size_t size)
{
	if (!owner)
		return "";
	snprintf(buf, size, " (pid %d)", (int)owner);
	return buf;
}

/* One line per fence a killed drain left: the node is back before the command looks. */
static void fence_repaired(const struct daxpin_fence_repair *r, void *arg)
{
	char buf[48];
	const char *owner = drain_pid(r->owner, buf, sizeof(buf));

	(void)arg;
	if (!r->error)
		fprintf(stderr, "daxpin: restored /dev/%s, fenced by a drain%s that is gone\n",
			r->name, owner);
	else
		fprintf(stderr, "daxpin: /dev/%s is fenced by a drain%s that is gone, and cannot be restored: %s; run any daxpin command as root to restore it\n",
			r->name, owner, strerror(-r->error));
}

/* One line per system-RAM drain that died with memory offline: it is back online. */
static void memory_repaired(const struct daxpin_memory_repair *r, void *arg)
{
	char buf[48];
	const char *owner = drain_pid(r->owner, buf, sizeof(buf));

	(void)arg;
	if (!r->error)
		fprintf(stderr, "daxpin: onlined %zu memory block%s of %s again, offlined by a drain%s that is gone\n",
			r->onlined, r->onlined == 1 ? "" : "s", r->name, owner);
	else
		fprintf(stderr, "daxpin: memory blocks of %s were offlined by a drain%s that is gone, and cannot be onlined again: %s; run any daxpin command as root, or 'daxctl online-memory %s'\n",
			r->name, owner, strerror(-r->error), r->name);
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	struct daxpin_ctx *ctx;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "daxpin: no command; see 'daxpin --help'\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return flush_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("%s\n", DAXPIN_VERSION);
		return flush_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "help") == 0)
		return flush_stdout(cmd_help(argc - 1, argv + 1));
	cmd = cmd_find(argv[1]);
	if (!cmd)
		return EXIT_USAGE;
	raise_fd_limit();
	rc = daxpin_new(&ctx);
	if (rc < 0) {
		fprintf(stderr, "daxpin: cannot initialise: %s\n", strerror(-rc));
		return EXIT_FAILURE_;
	}
	daxpin_fences_repair(ctx, fence_repaired, NULL);
	daxpin_memory_repair(ctx, memory_repaired, NULL);
	rc = cmd->fn(argc - 1, argv + 1, ctx);
	daxpin_unref(ctx);
	return flush_stdout(rc);
}
