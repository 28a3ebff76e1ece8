// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * map-race: race a drain by mapping a device-dax device again and again.
 *
 *   map-race -t STOP_FILE [-l LENGTH] PATH
 *
 * Each cycle opens PATH, maps LENGTH (default 2M), writes to the mapping
 * every 100 us for about 5 ms, splices one page into a pipe (a page
 * reference) and closes it, unmaps, closes, then pauses 0-30 ms. A write to
 * a mapping the kernel revoked (the device was unbound under it) raises
 * SIGBUS: map-race then says so and exits 3. That is the failure the
 * race test looks for: an unbind with a mapping outstanding.
 *
 * Opens that fail are counted, not fatal: ENOENT or EBUSY (the drain's
 * fence: the node renamed away, or the LSM fence refusing opens) and
 * ENXIO/ENODEV (the device is unbound). It stops when
 * STOP_FILE appears and prints "cycles N fenced N enxio N".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void on_sigbus(int sig)
{
	static const char msg[] = "map-race: SIGBUS: the mapping was revoked while in use\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(3);
}

static void pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void use(char *base, long page)
{
	struct iovec iov = { .iov_base = base, .iov_len = (size_t)page };
	int fds[2];

	for (int i = 0; i < 50; i++) {
		base[(i * page) % (2 * page)] = (char)i;
		pause_us(100);
	}
	if (pipe(fds) == 0) {
		if (vmsplice(fds[1], &iov, 1, SPLICE_F_NONBLOCK) < 0)
			perror("map-race: vmsplice");
		close(fds[1]);
		close(fds[0]);
	}
}

int main(int argc, char **argv)
{
	unsigned long cycles = 0, fenced = 0, enxio = 0;
	size_t length = 2 << 20;
	const char *stop = NULL;
	long page = sysconf(_SC_PAGESIZE);
	int opt;

	while ((opt = getopt(argc, argv, "t:l:")) != -1) {
		switch (opt) {
		case 't': stop = optarg; break;
		case 'l': length = strtoul(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (!stop || optind != argc - 1)
		goto usage;
	signal(SIGBUS, on_sigbus);
	srand((unsigned int)getpid());
	while (access(stop, F_OK) < 0) {
		int fd = open(argv[optind], O_RDWR | O_CLOEXEC);
		char *base;

		if (fd < 0) {
			if (errno == ENOENT || errno == EBUSY)
				fenced++;
			else if (errno == ENXIO || errno == ENODEV)
				enxio++;
			else
				perror("map-race: open");
			pause_us(1000);
			continue;
		}
		base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (base != MAP_FAILED) {
			use(base, page);
			munmap(base, length);
			cycles++;
		}
		close(fd);
		pause_us(rand() % 30000);
	}
	printf("cycles %lu fenced %lu enxio %lu\n", cycles, fenced, enxio);
	return 0;
usage:
	fprintf(stderr, "usage: map-race -t STOP_FILE [-l LENGTH] PATH\n");
	return 2;
}
