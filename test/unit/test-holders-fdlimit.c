// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The holders scan with fewer file descriptors than holders: every holder
 * reported, or the result incomplete with the reason (never a silent
 * drop, which main did once a pidfd per holder used up the limit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

#define HOLDERS 64

struct fixture {
	char path[64];
	pid_t pids[HOLDERS];
	int release;
	struct daxpin_ctx *ctx;
	struct daxpin_target target;
	struct rlimit saved;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int ready[2], release[2], fd;
	char c;

	assert_non_null(f);
	strcpy(f->path, "/tmp/daxpin-fdlimit-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	for (int i = 0; i < HOLDERS; i++) {
		f->pids[i] = fork();
		assert_true(f->pids[i] >= 0);
		if (f->pids[i] == 0) {
			close(ready[0]);
			close(release[1]);
			if (open(f->path, O_RDONLY) < 0 || write(ready[1], "r", 1) != 1)
				_exit(1);
			while (read(release[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
	}
	close(ready[1]);
	close(release[0]);
	for (int i = 0; i < HOLDERS; i++)
		assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	f->release = release[1];
	assert_int_equal(daxpin_new(&f->ctx), 0);
	assert_int_equal(daxpin_target_add_path(&f->target, f->path), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->saved), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->release);
	for (int i = 0; i < HOLDERS; i++)
		waitpid(f->pids[i], NULL, 0);
	daxpin_target_clear(&f->target);
	daxpin_unref(f->ctx);
	unlink(f->path);
	free(f);
	return 0;
}

/* A soft limit that leaves exactly room fd numbers free (open ones may leave holes). */
static void limit_fds(struct fixture *f, int room)
{
	struct rlimit rl = f->saved;
	int fd = 0;

	for (int free_fds = 0; free_fds < room; fd++)
		free_fds += fcntl(fd, F_GETFD) < 0;
	rl.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static size_t found(const struct fixture *f, const struct daxpin_holders *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->targets[0].nr_holders; i++)
		for (int j = 0; j < HOLDERS; j++)
			n += h->targets[0].holders[i].proc->pid == f->pids[j];
	return n;
}

static void scan(struct fixture *f, unsigned int flags, struct daxpin_holders **h)
{
	int rc = daxpin_holders_scan(f->ctx, &f->target, 1, 0, flags, h);

	assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->saved), 0);
	assert_int_equal(rc, 0);
}

/*
 * pidfds wanted, fewer fds than holders: the pidfds kept use up the limit,
 * and then neither a pidfd nor the next process's /proc files can be
 * opened. Holders found are reported; both shortfalls are declared.
 */
static void pidfds_beyond_the_limit(void **state)
{
	struct fixture *f = *state;
	struct daxpin_holders *h;
	size_t with_pidfd = 0;

	limit_fds(f, 16);
	scan(f, DAXPIN_HOLDERS_NO_BPF, &h);
	for (size_t i = 0; i < h->nr_procs; i++)
		with_pidfd += h->procs[i].pidfd >= 0;
	assert_true(with_pidfd > 0 && with_pidfd < HOLDERS);
	assert_false(h->complete);
	assert_true(h->without_pidfd > 0 || found(f, h) < HOLDERS);
	if (found(f, h) < HOLDERS)
		assert_non_null(strstr(h->reason, "could not be examined: Too many open files"));
	if (h->without_pidfd)
		assert_non_null(strstr(h->reason, "have no pidfd"));
	daxpin_holders_free(h);
}

/* no pidfds asked for: the scan's fds do not grow with the holders */
static void no_pidfds_asked(void **state)
{
	struct fixture *f = *state;
	struct daxpin_holders *h;

	limit_fds(f, 16);
	scan(f, DAXPIN_HOLDERS_NO_BPF | DAXPIN_HOLDERS_NO_PIDFD, &h);
	assert_int_equal(found(f, h), HOLDERS);
	assert_int_equal(h->without_pidfd, 0);
	assert_int_equal(h->unexamined, 0);
	for (size_t i = 0; i < h->nr_procs; i++)
		assert_int_equal(h->procs[i].pidfd, -1);
	daxpin_holders_free(h);
}

/*
 * Too few fds to read /proc: the scan fails (-EMFILE, nothing to report),
 * or what it did not find is declared, with the errno.
 */
static void unexamined_is_incomplete(void **state)
{
	struct fixture *f = *state;
	bool partial = false;

	for (int room = 1; room <= 8; room++) {
		struct daxpin_holders *h;
		int rc;

		limit_fds(f, room);
		rc = daxpin_holders_scan(f->ctx, &f->target, 1, 0,
					 DAXPIN_HOLDERS_NO_BPF | DAXPIN_HOLDERS_NO_PIDFD, &h);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->saved), 0);
		if (rc) {
			assert_int_equal(rc, -EMFILE);
			continue;
		}
		if (found(f, h) < HOLDERS) {
			partial = true;
			assert_true(h->unexamined > 0);
			assert_int_equal(h->unexamined_error, EMFILE);
			assert_false(h->complete);
			assert_non_null(strstr(h->reason, "could not be examined"));
		}
		daxpin_holders_free(h);
	}
	/* some limit left the scan partial: the checks above were made */
	assert_true(partial);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pidfds_beyond_the_limit),
		cmocka_unit_test(no_pidfds_asked),
		cmocka_unit_test(unexamined_is_incomplete),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
