// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "options.h"
#include "output.h"

/* enough for every command's; command_option() refuses more */
#define OPTIONS_MAX 32

static const struct command_option help_option = { 'h', "help", NULL, "this text" };

/* "  -t, --timeout SECONDS" or "      --no-bpf" */
static int option_left(char *buf, size_t size, const struct command_option *o)
{
	return snprintf(buf, size, "  %c%c%c --%s%s%s", o->key < 256 ? '-' : ' ',
			o->key < 256 ? o->key : ' ', o->key < 256 ? ',' : ' ', o->name,
			o->value ? " " : "", o->value ? o->value : "");
}

static void option_print(FILE *out, const struct command_option *o, int column)
{
	char left[64];

	if (!o->name) {
		fprintf(out, "%s\n", o->help);
		return;
	}
	option_left(left, sizeof(left), o);
	fprintf(out, "%-*s", column, left);
	for (const char *h = o->help; *h; h++)
		if (*h == '\n')
			fprintf(out, "\n%*s", column, "");
		else
			fputc(*h, out);
	fputc('\n', out);
}

static void command_usage(FILE *out, const struct command_spec *cmd)
{
	char left[64];
	int column = 25;

	for (size_t i = 0; i < cmd->nr_options; i++)
		if (cmd->options[i].name) {
			int len = option_left(left, sizeof(left), &cmd->options[i]) + 2;

			column = len > column ? len : column;
		}
	fprintf(out, "usage: %s\n\n", cmd->usage);
	for (size_t i = 0; i < cmd->nr_options; i++)
		option_print(out, &cmd->options[i], column);
	option_print(out, &help_option, column);
	fprintf(out, "\nExit status: %s\n", cmd->exit_status);
}

/* the one line that says what was wrong with the option getopt returned c ('?' or ':') for */
static void option_error(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *eq = strchr(arg, '=');
	bool is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':')
		error_line("daxpin %s: option '%s' needs a value; see 'daxpin %s --help'",
			   cmd, is_long ? arg : (char[]){ '-', (char)optopt, '\0' }, cmd);
	else if (is_long && eq && optopt)
		error_line("daxpin %s: option '%.*s' takes no value; see 'daxpin %s --help'",
			   cmd, (int)(eq - arg), arg, cmd);
	else if (is_long)
		error_line("daxpin %s: unknown or ambiguous option '%.*s'; see 'daxpin %s --help'",
			   cmd, (int)(eq ? eq - arg : (long)strlen(arg)), arg, cmd);
	else
		error_line("daxpin %s: unknown option '-%c'; see 'daxpin %s --help'",
			   cmd, optopt, cmd);
}

static void option_add(const struct command_option *o, struct option *lo, char **opt)
{
	*lo = (struct option){ o->name, o->value ? required_argument : no_argument, NULL, o->key };
	if (o->key >= 256)
		return;
	*(*opt)++ = (char)o->key;
	if (o->value)
		*(*opt)++ = ':';
}

int command_option(const struct command_spec *cmd, struct table_options *table, int argc,
		   char **argv)
{
	struct option longopts[OPTIONS_MAX + 2] = { 0 };
	char optstring[2 * OPTIONS_MAX + 4] = ":", *opt = optstring + 1;
	size_t n = 0;
	int c;

	if (cmd->nr_options > OPTIONS_MAX)
		abort();
	for (size_t i = 0; i < cmd->nr_options; i++)
		if (cmd->options[i].name)
			option_add(&cmd->options[i], &longopts[n++], &opt);
	option_add(&help_option, &longopts[n], &opt);
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, optstring, longopts, NULL);
		if (c == -1)
			return 0;
		if (c == 'h') {
			command_usage(stdout, cmd);
			return -1 - EXIT_OK;
		}
		if (c == 'H' && cmd->columns) {
			columns_print_help(stdout, cmd->columns, cmd->nr_columns);
			return -1 - EXIT_OK;
		}
		if (c == '?' || c == ':') {
			option_error(cmd->name, c, argv);
			return -1 - EXIT_USAGE;
		}
		if (!table || !table_option(table, c, optarg))
			return c;
	}
}

int parse_duration(const char *s, unsigned int *ms)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(s, &end);
	/* written so that nan fails every comparison */
	if (errno || end == s || *end || !(secs >= 0 && secs <= 86400))
		return -1;
	*ms = (unsigned int)(secs * 1000);
	if (secs > 0 && !*ms)
		*ms = 1;
	return 0;
}

int option_duration(const char *cmd, const char *name, const char *arg, unsigned int min_ms,
		    unsigned int *ms)
{
	if (parse_duration(arg, ms) == 0 && *ms >= min_ms)
		return 0;
	error_line("daxpin %s: bad %s '%s': seconds from %g to 86400, e.g. 30 or 0.5", cmd, name,
		   arg, min_ms / 1000.0);
	return -1;
}
