/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef DAXPIN_OUTFILE_H
#define DAXPIN_OUTFILE_H

#include <stdio.h>

/*
 * An output file replaced atomically: written to a hidden temporary file
 * in the same directory, then renamed over the path, so a reader (the
 * node_exporter textfile collector, a script) sees the old content or the
 * new, never a half-written file, and a failed run leaves the old one.
 * A run holds an flock(2) on its temporary file until the rename: one that
 * nobody holds was left by a run that was killed (SIGKILL, a service
 * manager's stop timeout), and the next run of the same path removes it,
 * saying so.
 */
struct outfile {
	FILE *f;
	char *path;
	char *tmp;
};

/* 0, or -1 with the error printed ("daxpin CMD: ...", one line). Removes
 * the temporary files of PATH that killed runs left, one line each. */
int outfile_open(struct outfile *o, const char *cmd, const char *path);
/* Flushes, syncs and renames into place; 0, or -1 printed (the temporary file removed). */
int outfile_commit(struct outfile *o, const char *cmd);
/* Removes the temporary file; the path is left as it was. */
void outfile_abort(struct outfile *o);

#endif
