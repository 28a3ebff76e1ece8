// SPDX-License-Identifier: LGPL-2.1-or-later
/* --force: SIGTERM to each holder through a pidfd, SIGKILL after the grace. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "drain_internal.h"
#include "core/private.h"

static struct signalled *signalled_find(struct daxpin_drain *d, pid_t pid)
{
	for (size_t i = 0; i < d->nr_signalled; i++)
		if (d->signalled[i].pid == pid)
			return &d->signalled[i];
	return NULL;
}

static void signal_send(struct daxpin_drain *d, const struct daxpin_drain_options *o,
			struct signalled *s, int signo)
{
	struct daxpin_drain_event ev = {
		.kind = DAXPIN_DRAIN_SIGNALLED,
		.pid = s->pid,
		.comm = s->comm,
		.signo = signo,
		.access = s->access,
	};

	/* ESRCH: it exited meanwhile, which is what the signal was for */
	if (pidfd_send_signal(s->pidfd, signo, NULL, 0) < 0) {
		if (errno != ESRCH)
			err(d->ctx, "cannot signal %d (%s): %s\n", s->pid, s->comm,
			    strerror(errno));
		return;
	}
	drain_emit(d, o, &ev);
}

/*
 * --force: SIGTERM to every holder not yet signalled, reference owners
 * included; SIGKILL once its grace is over.
 */
int drain_force(struct daxpin_drain *d, const struct daxpin_drain_options *o,
		 const struct check *c)
{
	uint64_t now = drain_elapsed_ms(d);

	for (size_t i = 0; d->holders && i < d->holders->nr_procs; i++) {
		const struct daxpin_process *p = &d->holders->procs[i];
		unsigned int access = drain_proc_access(d, p, drain_pages_busy(&c->pages));
		struct signalled *s;

		/* never by a bare pid: it may be reused by the time the signal goes */
		if (!access || p->pidfd < 0 || p->pid == getpid() || signalled_find(d, p->pid))
			continue;
		s = array_push(&d->signalled, &d->nr_signalled, sizeof(*s));
		if (!s)
			return -ENOMEM;
		*s = (struct signalled){ .pid = p->pid, .access = access, .term_ms = now };
		s->pidfd = fcntl(p->pidfd, F_DUPFD_CLOEXEC, 0);
		if (s->pidfd < 0) {
			d->nr_signalled--;
			return -errno;
		}
		snprintf(s->comm, sizeof(s->comm), "%s", p->comm);
		signal_send(d, o, s, SIGTERM);
	}
	for (size_t i = 0; i < d->nr_signalled; i++) {
		struct signalled *s = &d->signalled[i];
		struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };

		if (s->killed || now < s->term_ms + o->grace_ms)
			continue;
		s->killed = true;
		/* a readable pidfd: it has exited */
		if (poll(&pfd, 1, 0) == 0)
			signal_send(d, o, s, SIGKILL);
	}
	return 0;
}

/* How long until the next SIGKILL is due, or -1 */
int64_t drain_next_kill_ms(const struct daxpin_drain *d, const struct daxpin_drain_options *o)
{
	int64_t next = -1, now = (int64_t)drain_elapsed_ms(d);

	for (size_t i = 0; i < d->nr_signalled; i++) {
		int64_t due = (int64_t)(d->signalled[i].term_ms + o->grace_ms) - now;

		if (d->signalled[i].killed)
			continue;
		if (due < 0)
			due = 0;
		if (next < 0 || due < next)
			next = due;
	}
	return next;
}
