/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_EXITCODES_H
#define DAXPIN_EXITCODES_H

/*
 * One table of exit codes for every subcommand; man/daxpin.adoc documents
 * it and scripts rely on it, so values never change meaning.
 */
enum daxpin_exit {
	EXIT_OK = 0,		/* done; for queries: something found */
	EXIT_FAILURE_ = 1,	/* unexpected failure (I/O, out of memory) */
	EXIT_USAGE = 2,		/* bad option or argument */
	EXIT_NOT_FOUND = 3,	/* a named region, namespace, device or file does not exist */
	EXIT_PERMISSION = 4,	/* the operation needs a privilege this process lacks */
	EXIT_BUSY = 5,		/* references remain; nothing was changed */
	EXIT_TIMEOUT = 6,	/* gave up waiting; nothing was changed */
	EXIT_INTERRUPTED = 7,	/* a signal stopped it; nothing was changed */
	EXIT_UNSUPPORTED = 8,	/* the kernel or build lacks what is needed */
	EXIT_NONE = 10,		/* a query found nothing (holders: no holder) */
};

#endif
