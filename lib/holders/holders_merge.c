// SPDX-License-Identifier: LGPL-2.1-or-later
/* The workers' finds merged into one result, and the reasons it is partial. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "procmaps.h"
#include "procstatus.h"
#include "holders_internal.h"

static int holder_cmp(const void *a, const void *b)
{
	const struct daxpin_holder *x = a, *y = b;

	return (x->proc->pid > y->proc->pid) - (x->proc->pid < y->proc->pid);
}

/* Moves the workers' findings into h; the processes change owner. */
int holders_merge(struct daxpin_holders *h, struct worker *w, size_t nr_w)
{
	size_t nr_procs = 0;

	for (size_t i = 0; i < nr_w; i++) {
		nr_procs += w[i].nr_procs;
		for (size_t j = 0; j < w[i].nr_held; j++)
			h->targets[w[i].held[j].target].nr_holders++;
		h->unreadable += w[i].unreadable;
		h->unidentified += w[i].unidentified;
		if (!h->unexamined_error)
			h->unexamined_error = w[i].unexamined_error;
		h->unexamined += w[i].unexamined;
		h->without_pidfd += w[i].without_pidfd;
	}
	h->procs = calloc(nr_procs ? nr_procs : 1, sizeof(*h->procs));
	if (!h->procs)
		return -ENOMEM;
	for (size_t t = 0; t < h->nr_targets; t++) {
		struct daxpin_target_holders *th = &h->targets[t];

		th->holders = calloc(th->nr_holders ? th->nr_holders : 1, sizeof(*th->holders));
		if (!th->holders)
			return -ENOMEM;
		th->nr_holders = 0;
	}
	for (size_t i = 0; i < nr_w; i++) {
		struct daxpin_process *base = h->procs + h->nr_procs;

		if (w[i].nr_procs)
			memcpy(base, w[i].procs, w[i].nr_procs * sizeof(*base));
		h->nr_procs += w[i].nr_procs;
		w[i].nr_procs = 0;
		for (size_t j = 0; j < w[i].nr_held; j++) {
			struct daxpin_target_holders *th = &h->targets[w[i].held[j].target];
			struct daxpin_holder *hd = &th->holders[th->nr_holders++];

			*hd = w[i].held[j].holder;
			hd->proc = base + w[i].held[j].proc;
		}
	}
	for (size_t t = 0; t < h->nr_targets; t++)
		if (h->targets[t].nr_holders)
			qsort(h->targets[t].holders, h->targets[t].nr_holders,
			      sizeof(*h->targets[t].holders), holder_cmp);
	return 0;
}

/* Appends one reason to *reason, "; " between them. */
static int reason_add(char **reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int reason_add(char **reason, const char *fmt, ...)
{
	char *one, *both;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&one, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	if (!*reason) {
		*reason = one;
		return 0;
	}
	rc = asprintf(&both, "%s; %s", *reason, one);
	free(one);
	if (rc < 0)
		return -ENOMEM;
	free(*reason);
	*reason = both;
	return 0;
}

/* Every cause of an incomplete result, the most serious first. */
int holders_set_reason(struct daxpin_holders *h)
{
	char *reason = NULL;
	int rc = 0;

	if (h->timed_out)
		rc = reason_add(&reason, "the scan stopped at its time limit; later processes were not examined");
	if (!rc && h->unexamined)
		rc = reason_add(&reason, "%zu processes could not be examined: %s%s",
				h->unexamined, strerror(h->unexamined_error),
				h->unexamined_error == EMFILE || h->unexamined_error == ENFILE ?
				" (raise the open-file limit: ulimit -n)" : "");
	if (!rc && h->hidden)
		rc = reason_add(&reason, "/proc is mounted with hidepid: other users' processes are invisible; run as root");
	if (!rc && h->unreadable)
		rc = reason_add(&reason, "%zu processes not readable (other users' or more privileged): need root or CAP_SYS_PTRACE",
				h->unreadable);
	if (!rc && h->pid_namespace)
		rc = reason_add(&reason, "running in a pid namespace: processes outside it are not visible");
	if (!rc && h->unidentified)
		rc = reason_add(&reason, "%zu mappings could not be identified: need CAP_SYS_ADMIN for /proc/PID/map_files",
				h->unidentified);
	if (!rc && h->without_pidfd)
		rc = reason_add(&reason, "%zu holders have no pidfd: out of file descriptors (ulimit -n)",
				h->without_pidfd);
	if (rc < 0) {
		free(reason);
		return -ENOMEM;
	}
	h->complete = !reason;
	h->reason = reason;
	return 0;
}
