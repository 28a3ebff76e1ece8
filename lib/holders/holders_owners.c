// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reference owners as holders: a process whose only tie to a device is a
 * pipe full of its pages holds that device as surely as one that maps it,
 * and a drain must find it the same way (and signal it through a pidfd).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "holders_internal.h"

static unsigned int access_of(const struct daxpin_owner *ow)
{
	unsigned int access = 0;

	for (size_t i = 0; i < ow->nr_refs; i++)
		switch (ow->refs[i].kind) {
		case DAXPIN_REF_PIPE:
			access |= DAXPIN_ACCESS_PIPE;
			break;
		case DAXPIN_REF_IO_URING:
			access |= DAXPIN_ACCESS_IO_URING;
			break;
		case DAXPIN_REF_RDMA_HINT:
			access |= DAXPIN_ACCESS_RDMA_HINT;
			break;
		case DAXPIN_REF_VFIO_HINT:
			access |= DAXPIN_ACCESS_VFIO_HINT;
			break;
		case DAXPIN_REF_RESIDENT:
			access |= DAXPIN_ACCESS_RESIDENT;
			break;
		}
	return access;
}

/*
 * The start time of a process in clock ticks since boot (/proc/PID/stat
 * field 22): the kernel derives it from the same start_boottime the
 * iterator reported, so equal values prove the same process.
 */
static int start_ticks(int dfd, unsigned long long *ticks)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = openat(dfd, "stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* the name may hold spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", ticks) != 1)
		return -EIO;
	return 0;
}

/* A process known only to the owners scan; -ESRCH when it is gone. */
static int process_open(const struct daxpin_owner *ow, struct daxpin_process *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ticks;
	char path[32];
	int dfd, rc;

	*p = (struct daxpin_process){ .pid = ow->pid, .uid = ow->uid,
				      .vm_pinned_bytes = ow->vm_pinned_bytes };
	snprintf(p->comm, sizeof(p->comm), "%s", ow->comm);
	p->pidfd = pidfd_open(ow->pid, 0);
	if (p->pidfd < 0 && errno != ENOSYS)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d", (int)ow->pid);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	rc = dfd < 0 ? -ESRCH : start_ticks(dfd, &ticks);
	if (!rc && hz > 0 && ticks != ow->start_time_ns / (1000000000ULL / (unsigned long)hz))
		rc = -ESRCH;	/* the pid was reused */
	if (!rc)
		rc = holders_read_cgroup(dfd, p);
	if (dfd >= 0)
		close(dfd);
	if (rc && p->pidfd >= 0)
		close(p->pidfd);
	return rc;
}

static struct daxpin_process *proc_find(struct daxpin_process *procs, size_t nr, pid_t pid)
{
	for (size_t i = 0; i < nr; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Adds every owner's process to h->procs unless there already. */
static int add_processes(struct daxpin_holders *h, const struct daxpin_owners *o)
{
	size_t nr_owners = 0;
	struct daxpin_process *procs;

	for (size_t t = 0; t < o->nr_targets; t++)
		nr_owners += o->targets[t].nr_owners;
	if (!nr_owners)
		return 0;
	procs = malloc((h->nr_procs + nr_owners) * sizeof(*procs));
	if (!procs)
		return -ENOMEM;
	if (h->nr_procs)
		memcpy(procs, h->procs, h->nr_procs * sizeof(*procs));
	/* the holders point into the array: point them into its copy */
	for (size_t t = 0; t < h->nr_targets; t++)
		for (size_t i = 0; i < h->targets[t].nr_holders; i++)
			h->targets[t].holders[i].proc = procs + (h->targets[t].holders[i].proc - h->procs);
	free(h->procs);
	h->procs = procs;
	for (size_t t = 0; t < o->nr_targets; t++)
		for (size_t i = 0; i < o->targets[t].nr_owners; i++) {
			const struct daxpin_owner *ow = &o->targets[t].owners[i];
			int rc;

			if (proc_find(h->procs, h->nr_procs, ow->pid))
				continue;
			rc = process_open(ow, &h->procs[h->nr_procs]);
			if (rc == -ENOMEM)
				return rc;
			if (!rc)
				h->nr_procs++;
		}
	return 0;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct daxpin_holder *x = a, *y = b;

	return (x->proc->pid > y->proc->pid) - (x->proc->pid < y->proc->pid);
}

static int add_holders(struct daxpin_target_holders *th, const struct daxpin_target_owners *to,
		       struct daxpin_process *procs, size_t nr_procs)
{
	struct daxpin_holder *holders;

	holders = realloc(th->holders, (th->nr_holders + to->nr_owners + 1) * sizeof(*holders));
	if (!holders)
		return -ENOMEM;
	th->holders = holders;
	for (size_t i = 0; i < to->nr_owners; i++) {
		const struct daxpin_owner *ow = &to->owners[i];
		struct daxpin_process *p = proc_find(procs, nr_procs, ow->pid);
		struct daxpin_holder *hd = NULL;

		if (!p)
			continue;	/* exited since the scan */
		for (size_t j = 0; j < th->nr_holders && !hd; j++)
			if (th->holders[j].proc == p)
				hd = &th->holders[j];
		if (!hd) {
			hd = &th->holders[th->nr_holders++];
			*hd = (struct daxpin_holder){ .proc = p };
		}
		hd->access |= access_of(ow);
		hd->owner = ow;
	}
	if (th->nr_holders > 1)
		qsort(th->holders, th->nr_holders, sizeof(*th->holders), holder_cmp);
	return 0;
}

DAXPIN_EXPORT int daxpin_holders_add_owners(struct daxpin_holders *h, struct daxpin_owners *o)
{
	int rc;

	daxpin_owners_free(h->owners);
	h->owners = o;
	if (o->reason || o->nr_targets != h->nr_targets)
		return 0;
	for (size_t t = 0; t < h->nr_targets; t++)
		h->targets[t].owners = &o->targets[t];
	rc = add_processes(h, o);
	for (size_t t = 0; t < h->nr_targets && !rc; t++)
		rc = add_holders(&h->targets[t], &o->targets[t], h->procs, h->nr_procs);
	return rc;
}
