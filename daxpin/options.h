/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_OPTIONS_H
#define DAXPIN_OPTIONS_H

/*
 * Argument handling every command shares: one line for a bad option (the
 * man page's promise), and the parsers of option values.
 */

/*
 * For getopt_long with opterr = 0 and an optstring starting with ':':
 * prints the one line that says what was wrong with the option getopt
 * returned c ('?' or ':') for, and returns EXIT_USAGE.
 */
int option_error(const char *cmd, int c, char **argv);

/*
 * Seconds (decimal, fractions allowed) from 0 to 86400 into milliseconds;
 * a positive value too small to express is 1 ms, not none. -1 for anything
 * else (nan, inf, negative, trailing text).
 */
int parse_duration(const char *s, unsigned int *ms);

#endif
