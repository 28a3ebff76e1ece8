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

int option_error(const char *cmd, int c, char **argv)
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
	return EXIT_USAGE;
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
