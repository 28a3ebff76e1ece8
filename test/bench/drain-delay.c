// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drain-delay: how long daxpin drain takes from the last page reference
 * going to the device being unbound.
 *
 *   drain-delay [-n RUNS] [-k K] DAXPIN DAXDEV
 *
 * Each run maps DAXDEV (a 2M-aligned device-dax device, enabled), splices
 * K pages (one per 2M folio) into a pipe, unmaps and closes the device, so
 * only the pipe holds references and no process holds the device. It starts
 * DAXPIN drain --json DAXDEV, waits for a progress event that shows the
 * references plus 200 ms, closes the pipe (the release) and reads events
 * until "disabled": the delay is the time between the close and reading
 * that event. Then it enables the device again (daxctl enable-device).
 * Prints each delay and the median, in ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "drain-delay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* K references on K folios, held by a pipe only; returns its read end */
static int hold(const char *path, int k)
{
	size_t stride = 2 << 20, len = stride * (size_t)k;
	struct iovec iov[64];
	int fd = open(path, O_RDWR), fds[2];
	char *base;

	if (fd < 0)
		die(path);
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap");
	if (pipe(fds) || fcntl(fds[1], F_SETPIPE_SZ, 64 * 4096) < 0)
		die("pipe");
	for (int i = 0; i < k; i++) {
		base[i * stride] = 1;
		iov[i] = (struct iovec){ base + i * stride, 4096 };
	}
	if (vmsplice(fds[1], iov, (unsigned long)k, 0) != k * 4096)
		die("vmsplice");
	close(fds[1]);
	munmap(base, len);
	close(fd);
	return fds[0];
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double run(const char *daxpin, const char *dev, int k)
{
	char path[64], line[8192], cmd[256];
	double released = 0, delay = -1;
	int out[2], pipe_fd;
	pid_t pid;
	FILE *f;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	pipe_fd = hold(path, k);
	if (pipe(out))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(pipe_fd);
		execl(daxpin, daxpin, "drain", "--json", "--timeout", "60", dev, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	while (fgets(line, sizeof(line), f)) {
		if (!released && strstr(line, "\"progress\"") && !strstr(line, "\"refs\":0,")) {
			usleep(200 * 1000);
			released = now_ms();
			close(pipe_fd);
		} else if (released && strstr(line, "\"disabled\"")) {
			delay = now_ms() - released;
		}
	}
	fclose(f);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "daxctl enable-device %s >/dev/null 2>&1", dev);
	if (system(cmd) != 0)
		fprintf(stderr, "drain-delay: cannot enable %s again\n", dev);
	return delay;
}

int main(int argc, char **argv)
{
	int runs = 12, k = 3, opt, n = 0;
	double delays[100];

	while ((opt = getopt(argc, argv, "n:k:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'k': k = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 2 || runs < 1 || runs > 100 || k < 1 || k > 64)
		goto usage;
	for (int i = 0; i < runs; i++) {
		double d = run(argv[optind], argv[optind + 1], k);

		printf("run %d: %.1f ms\n", i + 1, d);
		if (d >= 0)
			delays[n++] = d;
	}
	if (n != runs) {
		fprintf(stderr, "drain-delay: %d of %d runs did not drain\n", runs - n, runs);
		return 1;
	}
	qsort(delays, (size_t)n, sizeof(*delays), cmp);
	printf("median %.1f ms min %.1f max %.1f (%d runs)\n",
	       n % 2 ? delays[n / 2] : (delays[n / 2 - 1] + delays[n / 2]) / 2,
	       delays[0], delays[n - 1], n);
	return 0;
usage:
	fprintf(stderr, "usage: drain-delay [-n RUNS] [-k K] DAXPIN DAXDEV\n");
	return 2;
}
