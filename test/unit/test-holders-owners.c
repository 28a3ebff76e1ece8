// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daxpin_holders_add_owners(): reference owners merged into a holders
 * result. An owner that already maps or opens a target keeps one holder
 * entry with both kinds of access; an owner that holds nothing else
 * becomes a holder with a pidfd, but only while the process the iterator
 * saw (pid and start time) still runs; a process owning pages of two
 * targets is one process; holders stay sorted by pid; owners that could
 * not be searched change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>
#include <daxpin/owners.h>

/* Start time of a process as the owners iterator reports it: ns since boot. */
static uint64_t start_time_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	assert_non_null(p);
	assert_int_equal(sscanf(p + 1, "%llu", &ticks), 1);
	return ticks * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* Holders of nr_targets targets; one process, pid 'mapper', maps target 0. */
static struct daxpin_holders *holders_new(size_t nr_targets, pid_t mapper)
{
	struct daxpin_holders *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->targets = calloc(nr_targets, sizeof(*h->targets));
	assert_non_null(h->targets);
	h->nr_targets = nr_targets;
	h->complete = true;
	if (!mapper)
		return h;
	h->procs = calloc(1, sizeof(*h->procs));
	h->targets[0].holders = calloc(1, sizeof(*h->targets[0].holders));
	assert_non_null(h->procs);
	assert_non_null(h->targets[0].holders);
	h->procs[0] = (struct daxpin_process){ .pid = mapper, .pidfd = -1 };
	snprintf(h->procs[0].comm, sizeof(h->procs[0].comm), "mapper");
	h->nr_procs = 1;
	h->targets[0].holders[0] = (struct daxpin_holder){ .proc = &h->procs[0],
							   .access = DAXPIN_ACCESS_MAP };
	h->targets[0].nr_holders = 1;
	return h;
}

static struct daxpin_owners *owners_new(size_t nr_targets)
{
	struct daxpin_owners *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	o->targets = calloc(nr_targets, sizeof(*o->targets));
	assert_non_null(o->targets);
	o->nr_targets = nr_targets;
	return o;
}

/* Appends to target t an owner holding 'pages' pages through pipe fd 'fd'. */
static void owner_add(struct daxpin_owners *o, size_t t, pid_t pid, uint64_t start,
		      int fd, uint64_t pages)
{
	struct daxpin_target_owners *to = &o->targets[t];
	struct daxpin_owner *ow;

	to->owners = realloc(to->owners, (to->nr_owners + 1) * sizeof(*to->owners));
	assert_non_null(to->owners);
	ow = &to->owners[to->nr_owners++];
	*ow = (struct daxpin_owner){ .pid = pid, .start_time_ns = start };
	snprintf(ow->comm, sizeof(ow->comm), "owner");
	ow->refs = calloc(1, sizeof(*ow->refs));
	assert_non_null(ow->refs);
	ow->refs[0] = (struct daxpin_reference){ .kind = DAXPIN_REF_PIPE, .fd = fd,
						 .end = DAXPIN_PIPE_READ, .pages = pages };
	ow->nr_refs = 1;
	to->attributed += pages;
}

static const struct daxpin_holder *holder_of(const struct daxpin_target_holders *th, pid_t pid)
{
	for (size_t i = 0; i < th->nr_holders; i++)
		if (th->holders[i].proc->pid == pid)
			return &th->holders[i];
	return NULL;
}

/* A child that waits for its pipe to close: a live process other than us. */
static pid_t child_start(int *release)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[1]);
		(void)!read(fds[0], &c, 1);
		_exit(0);
	}
	close(fds[0]);
	*release = fds[1];
	return pid;
}

static void child_stop(pid_t pid, int release)
{
	close(release);
	waitpid(pid, NULL, 0);
}

/* A mapper that also owns a pipe full of the target's pages: one holder, "mP". */
static void owner_that_maps(void **state)
{
	pid_t self = getpid();
	struct daxpin_holders *h = holders_new(1, self);
	struct daxpin_owners *o = owners_new(1);
	const struct daxpin_holder *hd;

	(void)state;
	owner_add(o, 0, self, start_time_ns(self), 4, 3);
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_int_equal(h->nr_procs, 1);
	assert_int_equal(h->targets[0].nr_holders, 1);
	hd = &h->targets[0].holders[0];
	assert_int_equal(hd->access, DAXPIN_ACCESS_MAP | DAXPIN_ACCESS_PIPE);
	assert_non_null(hd->owner);
	assert_int_equal(hd->owner->refs[0].fd, 4);
	assert_ptr_equal(h->targets[0].owners, &o->targets[0]);
	assert_ptr_equal(h->owners, o);
	daxpin_holders_free(h);
}

/*
 * An owner that maps and opens nothing becomes a holder with a pidfd; the
 * mapper's holder entry still points at the mapper after the process
 * array moved; holders come by pid.
 */
static void owner_only(void **state)
{
	int release;
	pid_t child = child_start(&release), self = getpid();
	struct daxpin_holders *h = holders_new(1, child);
	struct daxpin_owners *o = owners_new(1);
	const struct daxpin_holder *hd;

	(void)state;
	owner_add(o, 0, self, start_time_ns(self), 7, 5);
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_int_equal(h->nr_procs, 2);
	assert_int_equal(h->targets[0].nr_holders, 2);
	assert_true(h->targets[0].holders[0].proc->pid < h->targets[0].holders[1].proc->pid);
	hd = holder_of(&h->targets[0], child);
	assert_non_null(hd);
	assert_string_equal(hd->proc->comm, "mapper");
	assert_int_equal(hd->access, DAXPIN_ACCESS_MAP);
	assert_null(hd->owner);
	hd = holder_of(&h->targets[0], self);
	assert_non_null(hd);
	assert_int_equal(hd->access, DAXPIN_ACCESS_PIPE);
	assert_string_equal(hd->proc->comm, "owner");
	assert_true(hd->proc->pidfd >= 0);
	assert_int_equal(hd->owner->refs[0].pages, 5);
	daxpin_holders_free(h);
	child_stop(child, release);
}

/* Hints: an RDMA verbs fd and a VFIO fd become R and V, with stable names. */
static void owner_hints(void **state)
{
	pid_t self = getpid();
	struct daxpin_holders *h = holders_new(1, 0);
	struct daxpin_owners *o = owners_new(1);
	struct daxpin_owner *ow;

	(void)state;
	owner_add(o, 0, self, start_time_ns(self), 4, 0);
	ow = &o->targets[0].owners[0];
	ow->refs = realloc(ow->refs, 2 * sizeof(*ow->refs));
	assert_non_null(ow->refs);
	ow->refs[0] = (struct daxpin_reference){ .kind = DAXPIN_REF_RDMA_HINT, .fd = 4 };
	ow->refs[1] = (struct daxpin_reference){ .kind = DAXPIN_REF_VFIO_HINT, .fd = 5 };
	ow->nr_refs = 2;
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_int_equal(h->targets[0].nr_holders, 1);
	assert_int_equal(h->targets[0].holders[0].access,
			 DAXPIN_ACCESS_RDMA_HINT | DAXPIN_ACCESS_VFIO_HINT);
	assert_string_equal(daxpin_ref_kind_name(DAXPIN_REF_RDMA_HINT), "rdma-hint");
	assert_string_equal(daxpin_ref_kind_name(DAXPIN_REF_VFIO_HINT), "vfio-hint");
	daxpin_holders_free(h);
}

/* The iterator saw a process that has gone, or whose pid now names another. */
static void owner_gone_or_reused(void **state)
{
	int release;
	pid_t gone = child_start(&release), self = getpid();
	struct daxpin_holders *h = holders_new(1, 0);
	struct daxpin_owners *o = owners_new(1);
	uint64_t gone_start = start_time_ns(gone);

	(void)state;
	child_stop(gone, release);
	owner_add(o, 0, gone, gone_start, 3, 1);
	/* our pid, a start time a second off: another process by that pid */
	owner_add(o, 0, self, start_time_ns(self) + 1000000000ULL, 3, 1);
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_int_equal(h->nr_procs, 0);
	assert_int_equal(h->targets[0].nr_holders, 0);
	/* their references stay counted as the target's owners' */
	assert_ptr_equal(h->targets[0].owners, &o->targets[0]);
	daxpin_holders_free(h);
}

/* Pages of two targets in the pipes of one process: one process, a holder of each. */
static void owner_of_two_targets(void **state)
{
	pid_t self = getpid();
	uint64_t start = start_time_ns(self);
	struct daxpin_holders *h = holders_new(2, 0);
	struct daxpin_owners *o = owners_new(2);

	(void)state;
	owner_add(o, 0, self, start, 4, 2);
	owner_add(o, 1, self, start, 5, 1);
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_int_equal(h->nr_procs, 1);
	assert_int_equal(h->targets[0].nr_holders, 1);
	assert_int_equal(h->targets[1].nr_holders, 1);
	assert_ptr_equal(h->targets[0].holders[0].proc, h->targets[1].holders[0].proc);
	assert_int_equal(h->targets[0].holders[0].owner->refs[0].fd, 4);
	assert_int_equal(h->targets[1].holders[0].owner->refs[0].fd, 5);
	daxpin_holders_free(h);
}

/* Owners not searched (no privilege): kept for their reason, nothing merged. */
static void owners_unavailable(void **state)
{
	struct daxpin_holders *h = holders_new(1, getpid());
	struct daxpin_owners *o = owners_new(1);

	(void)state;
	o->reason = strdup("needs CAP_BPF and CAP_PERFMON (run as root)");
	o->error = -1;
	assert_int_equal(daxpin_holders_add_owners(h, o), 0);
	assert_ptr_equal(h->owners, o);
	assert_null(h->targets[0].owners);
	assert_int_equal(h->targets[0].nr_holders, 1);
	assert_int_equal(h->targets[0].holders[0].access, DAXPIN_ACCESS_MAP);
	assert_null(h->targets[0].holders[0].owner);
	daxpin_holders_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(owner_that_maps),
		cmocka_unit_test(owner_only),
		cmocka_unit_test(owner_hints),
		cmocka_unit_test(owner_gone_or_reused),
		cmocka_unit_test(owner_of_two_targets),
		cmocka_unit_test(owners_unavailable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
