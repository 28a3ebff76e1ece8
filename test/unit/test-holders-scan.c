// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The holders scan against the real /proc of the host: children that map,
 * open or sit in temporary files, and the scan must name exactly them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <daxpin/daxpin.h>
#include <daxpin/holders.h>

#include "holders/holders_internal.h"

enum role { MAP_SHARED_RW, MAP_PRIVATE_RO, OPEN_ONLY, MAP_AND_OPEN, CWD, MAP_DEVZERO, NR_ROLES };

struct fixture {
	char dir[64];
	char file[2][96];
	pid_t pids[NR_ROLES];
	int release;		/* write end: children exit when it closes */
	struct daxpin_ctx *ctx;
};

static const size_t map_len = 3 * 4096;

static void die(const char *what)
{
	fprintf(stderr, "child: %s: %s\n", what, strerror(errno));
	_exit(1);
}

static void *map(const char *path, int flags, int prot, int *fd_out)
{
	int fd = open(path, prot & PROT_WRITE ? O_RDWR : O_RDONLY);
	void *p;

	if (fd < 0)
		die(path);
	p = mmap(NULL, map_len, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return p;
}

/* Takes up its role, says so on ready, then waits for release to close. */
static void child(struct fixture *f, enum role role, int ready, int release)
{
	char c;
	int fd;

	switch (role) {
	case MAP_SHARED_RW:
		map(f->file[0], MAP_SHARED, PROT_READ | PROT_WRITE, NULL);
		break;
	case MAP_PRIVATE_RO:
		map(f->file[0], MAP_PRIVATE, PROT_READ, NULL);
		break;
	case OPEN_ONLY:
		if (open(f->file[1], O_RDONLY) < 0 || open(f->file[1], O_RDONLY) < 0)
			die("open");
		break;
	case MAP_AND_OPEN:
		map(f->file[1], MAP_SHARED, PROT_READ, &fd);
		break;
	case CWD:
		if (chdir(f->dir) < 0)
			die("chdir");
		break;
	case MAP_DEVZERO:
		/* a private /dev/zero mapping keeps the device node as its file */
		map("/dev/zero", MAP_PRIVATE, PROT_READ, NULL);
		break;
	case NR_ROLES:
		break;
	}
	if (write(ready, "r", 1) != 1)
		die("write");
	while (read(release, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int ready[2], release[2];
	char c;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/daxpin-holders-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (int i = 0; i < 2; i++) {
		int fd;

		snprintf(f->file[i], sizeof(f->file[i]), "%s/file %d\n(deleted)", f->dir, i);
		fd = open(f->file[i], O_RDWR | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)map_len), 0);
		close(fd);
	}
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	for (int r = 0; r < NR_ROLES; r++) {
		f->pids[r] = fork();
		assert_true(f->pids[r] >= 0);
		if (f->pids[r] == 0) {
			close(ready[0]);
			close(release[1]);
			child(f, (enum role)r, ready[1], release[0]);
		}
	}
	close(ready[1]);
	close(release[0]);
	for (int r = 0; r < NR_ROLES; r++)
		assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	f->release = release[1];
	assert_int_equal(daxpin_new(&f->ctx), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->release);
	for (int r = 0; r < NR_ROLES; r++)
		waitpid(f->pids[r], NULL, 0);
	for (int i = 0; i < 2; i++)
		unlink(f->file[i]);
	rmdir(f->dir);
	daxpin_unref(f->ctx);
	free(f);
	return 0;
}

static const struct daxpin_holder *find(const struct daxpin_target_holders *th, pid_t pid)
{
	for (size_t i = 0; i < th->nr_holders; i++)
		if (th->holders[i].proc->pid == pid)
			return &th->holders[i];
	return NULL;
}

/* Both ways of scanning must find the same: BPF iterators (as root) and /proc. */
static void check_children(struct fixture *f, unsigned int flags)
{
	struct daxpin_target t[4] = { 0 };
	const struct daxpin_target_holders *th;
	const struct daxpin_holder *hd;
	struct daxpin_holders *h;

	for (int i = 0; i < 2; i++)
		assert_int_equal(daxpin_target_add_path(&t[i], f->file[i]), 0);
	assert_int_equal(daxpin_target_add_path(&t[2], f->dir), 0);
	assert_int_equal(daxpin_target_add_path(&t[3], "/dev/zero"), 0);
	assert_int_equal(t[3].keys[0].kind, DAXPIN_KEY_CHARDEV);
	assert_int_equal(daxpin_holders_scan(f->ctx, t, 4, 0, flags, &h), 0);
	if (flags & DAXPIN_HOLDERS_NO_BPF)
		assert_false(h->via_bpf);
	assert_int_equal(h->nr_targets, 4);

	/* file 0: two mappers, and nothing else */
	th = &h->targets[0];
	assert_int_equal(th->nr_holders, 2);
	hd = find(th, f->pids[MAP_SHARED_RW]);
	assert_non_null(hd);
	assert_int_equal(hd->access, DAXPIN_ACCESS_MAP);
	assert_true(hd->shared && hd->writable);
	assert_int_equal(hd->mapped_bytes, map_len);
	assert_int_equal(hd->fds, 0);
	hd = find(th, f->pids[MAP_PRIVATE_RO]);
	assert_non_null(hd);
	assert_false(hd->shared || hd->writable);
	assert_true(th->holders[0].proc->pid < th->holders[1].proc->pid);

	/* file 1: one opener (two fds), one that maps and keeps its fd */
	th = &h->targets[1];
	assert_int_equal(th->nr_holders, 2);
	hd = find(th, f->pids[OPEN_ONLY]);
	assert_non_null(hd);
	assert_int_equal(hd->access, DAXPIN_ACCESS_FD);
	assert_int_equal(hd->fds, 2);
	assert_int_equal(hd->mapped_bytes, 0);
	hd = find(th, f->pids[MAP_AND_OPEN]);
	assert_non_null(hd);
	assert_int_equal(hd->access, DAXPIN_ACCESS_FD | DAXPIN_ACCESS_MAP);
	assert_int_equal(hd->fds, 1);

	/* the directory: only the child sitting in it */
	th = &h->targets[2];
	assert_int_equal(th->nr_holders, 1);
	assert_int_equal(th->holders[0].proc->pid, f->pids[CWD]);
	assert_int_equal(th->holders[0].access, DAXPIN_ACCESS_CWD);

	/* /dev/zero: others on the host may map it too, but not our other children */
	th = &h->targets[3];
	hd = find(th, f->pids[MAP_DEVZERO]);
	assert_non_null(hd);
	assert_true(hd->access & DAXPIN_ACCESS_MAP);
	assert_null(find(th, f->pids[OPEN_ONLY]));

	/* the pidfd is the child: it can be signalled without a pid race */
	hd = find(&h->targets[2], f->pids[CWD]);
	assert_true(hd->proc->pidfd >= 0);
	assert_int_equal(pidfd_send_signal(hd->proc->pidfd, 0, NULL, 0), 0);
	assert_int_equal(hd->proc->uid, geteuid());
	assert_non_null(strstr(hd->proc->comm, "test-holders"));

	daxpin_holders_free(h);
	for (int i = 0; i < 4; i++)
		daxpin_target_clear(&t[i]);
}

static void scan_finds_exactly_the_children(void **state)
{
	check_children(*state, 0);
}

static void proc_scan_finds_exactly_the_children(void **state)
{
	check_children(*state, DAXPIN_HOLDERS_NO_BPF);
}

static void no_holders_of_an_unused_file(void **state)
{
	struct fixture *f = *state;
	struct daxpin_target t = { 0 };
	struct daxpin_holders *h;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/unused", f->dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(daxpin_target_add_path(&t, path), 0);
	assert_int_equal(daxpin_holders_scan(f->ctx, &t, 1, 0, 0, &h), 0);
	assert_int_equal(h->targets[0].nr_holders, 0);
	assert_int_equal(h->nr_procs, 0);
	/* incomplete only with a reason */
	assert_true(h->complete == (h->reason == NULL));
	daxpin_holders_free(h);
	daxpin_target_clear(&t);
	unlink(path);
}

static void target_kinds_from_paths(void **state)
{
	struct daxpin_target t = { 0 };

	assert_int_equal(daxpin_target_add_path(&t, "/"), 0);
	assert_int_equal(t.keys[0].kind, DAXPIN_KEY_FILESYSTEM);
	assert_int_equal(daxpin_target_add_path(&t, "/etc"), 0);
	assert_int_equal(t.keys[1].kind, DAXPIN_KEY_FILE);
	assert_int_equal(daxpin_target_add_path(&t, "/no/such/file"), -ENOENT);
	assert_int_equal(t.nr_keys, 2);
	daxpin_target_clear(&t);
	assert_null(t.keys);
}

/*
 * Private mappings are passed over only when every device key is a
 * device-dax node (the VM's holders scenarios find device-dax mappers):
 * /dev/zero and block devices can be mapped private, files are matched by
 * identity.
 */
static void private_mappings_matter_unless_devdax_only(void **state)
{
	struct daxpin_target t = { 0 };

	(void)state;
	assert_int_equal(daxpin_target_add_path(&t, "/etc"), 0);
	assert_true(holders_devices_map_shared(&t, 1));
	assert_int_equal(daxpin_target_add_path(&t, "/dev/zero"), 0);
	assert_false(holders_devices_map_shared(&t, 1));
	daxpin_target_clear(&t);
	assert_int_equal(daxpin_target_add_key(&t, DAXPIN_KEY_BLOCKDEV, makedev(7, 0), 0), 0);
	assert_false(holders_devices_map_shared(&t, 1));
	daxpin_target_clear(&t);
	/* a node whose device the kernel does not have: not known to be device-dax */
	assert_int_equal(daxpin_target_add_key(&t, DAXPIN_KEY_CHARDEV, makedev(4095, 1048575), 0), 0);
	assert_false(holders_devices_map_shared(&t, 1));
	daxpin_target_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scan_finds_exactly_the_children),
		cmocka_unit_test(proc_scan_finds_exactly_the_children),
		cmocka_unit_test(no_holders_of_an_unused_file),
		cmocka_unit_test(target_kinds_from_paths),
		cmocka_unit_test(private_mappings_matter_unless_devdax_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
