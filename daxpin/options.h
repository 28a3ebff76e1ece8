/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_OPTIONS_H
#define DAXPIN_OPTIONS_H

#include <stddef.h>

#include "output.h"

/*
 * Argument handling every command shares. A command declares its options
 * once, as ndctl's parse-options has them: getopt's tables and the help
 * text are made from the declaration, and the options every command means
 * the same way (--help, --list-columns, the table options) are handled
 * here, with one line for a bad option (the man page's promise).
 */

struct command_option {
	int key;		/* the short option letter, or a code from 256 for a long-only one */
	const char *name;	/* the long option */
	const char *value;	/* the value's name ("SECONDS"); NULL: it takes none */
	const char *help;	/* a '\n' goes on under the first line */
};

/* A heading in the list of options ("Output:"). */
#define OPTION_GROUP(title) { .help = (title) }

struct command_spec {
	const char *name;		/* "list" */
	const char *usage;		/* the synopsis and what the command does */
	const struct command_option *options;	/* --help comes last by itself */
	size_t nr_options;
	const char *exit_status;	/* the last paragraph of the help */
	const struct column *columns;	/* -H describes them */
	size_t nr_columns;
};

/*
 * The next option of argv (getopt_long over cmd's options): its key, with
 * its value in optarg; 0 at the end of the options; or, after --help or
 * --list-columns (shown) or a bad option (said on stderr), -1 - the exit
 * status the command returns. The table options (-o, -n, -r, -b, those
 * cmd declares) go into table.
 */
int command_option(const struct command_spec *cmd, struct table_options *table, int argc,
		   char **argv);

/*
 * Seconds (decimal, fractions allowed) from 0 to 86400 into milliseconds;
 * a positive value too small to express is 1 ms, not none. -1 for anything
 * else (nan, inf, negative, trailing text).
 */
int parse_duration(const char *s, unsigned int *ms);

/*
 * The duration option NAME of command CMD (parse_duration(), at least
 * min_ms), or the one line that says what a good value is, and -1.
 */
int option_duration(const char *cmd, const char *name, const char *arg, unsigned int min_ms,
		    unsigned int *ms);

#endif
