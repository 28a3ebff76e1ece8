// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hold-ram -p FIRST-LAST -k K -r READY -t RELEASE [-m splice|uring|rdma|resident]:
 * allocates anonymous memory until K of its pages have page frame numbers
 * in [FIRST, LAST] (hex, read from /proc/self/pagemap: root), then holds
 * them: "splice" (default) puts them into a pipe with vmsplice(), a
 * reference beyond the mapping that makes migration, and so an offline of
 * their memory block, fail while it lasts; "uring" registers them as
 * io_uring fixed buffers, a long-term DMA pin (FOLL_LONGTERM: refused in
 * ZONE_MOVABLE, which migrates the pages away first, so for memory onlined
 * in ZONE_NORMAL); "rdma" registers each as an RDMA memory region on the
 * first RDMA device, the same pin (built with libibverbs only); "resident"
 * only keeps them
 * mapped, which an offline migrates away. The rest of what it allocated is
 * freed. Writes "ready PID PIPE-INODE" (0 but for splice) to READY, then waits for RELEASE to
 * exist (or SIGTERM/SIGINT) and exits 0. The system-RAM scenario (kmem.sh)
 * uses it: in ZONE_MOVABLE the page allocator hands most anonymous memory
 * out of the hot-plugged range.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/io_uring.h>

#ifdef HAVE_IBVERBS
#include "rdma-pin.h"
#endif

#define PAGE 4096UL
#define CHUNK (64UL << 20)
#define MAX_CHUNKS 24	/* 1.5 GiB: the guest's RAM is 2 GiB */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "hold-ram: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *release = NULL, *mode = "splice";
	unsigned long first = 0, last = 0, k = 0, found = 0;
	char *chunks[MAX_CHUNKS];
	struct iovec *held;
	int c, pagemap, pipefd[2] = { -1, -1 };
	size_t nr_chunks = 0;

	while ((c = getopt(argc, argv, "p:k:r:t:m:")) != -1) {
		switch (c) {
		case 'p':
			if (sscanf(optarg, "%lx-%lx", &first, &last) != 2 || last < first)
				goto usage;
			break;
		case 'k': k = strtoul(optarg, NULL, 0); break;
		case 'r': ready = optarg; break;
		case 't': release = optarg; break;
		case 'm': mode = optarg; break;
		default: goto usage;
		}
	}
	if (!k || !ready || !release || !last ||
	    (strcmp(mode, "splice") && strcmp(mode, "uring") && strcmp(mode, "rdma") &&
	     strcmp(mode, "resident")))
		goto usage;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	held = calloc(k, sizeof(*held));
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (!held || pagemap < 0)
		die("/proc/self/pagemap");

	while (found < k && nr_chunks < MAX_CHUNKS) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		/* small pages only: a THP's PFNs would be held as one folio */
		madvise(p, CHUNK, MADV_NOHUGEPAGE);
		chunks[nr_chunks++] = p;
		for (unsigned long off = 0; off < CHUNK && found < k; off += PAGE) {
			uint64_t e;

			p[off] = 1;
			if (pread(pagemap, &e, sizeof(e), (off_t)((uintptr_t)(p + off) / PAGE * 8)) != sizeof(e))
				die("reading /proc/self/pagemap");
			if (!(e >> 63))
				continue;
			e &= (1ULL << 55) - 1;
			if (e >= first && e <= last)
				held[found++] = (struct iovec){ p + off, PAGE };
		}
	}
	if (found < k) {
		fprintf(stderr, "hold-ram: only %lu of %lu pages in PFNs %#lx-%#lx after %zu MiB\n",
			found, k, first, last, nr_chunks * (CHUNK >> 20));
		return 1;
	}
	/* give back every page but the held ones */
	for (size_t i = 0; i < nr_chunks; i++)
		for (unsigned long off = 0; off < CHUNK; off += PAGE) {
			char *page = chunks[i] + off;
			bool keep = false;

			for (unsigned long h = 0; h < k && !keep; h++)
				keep = held[h].iov_base == page;
			if (!keep)
				madvise(page, PAGE, MADV_DONTNEED);
		}
	if (!strcmp(mode, "splice")) {
		if (pipe(pipefd))
			die("pipe");
		if (fcntl(pipefd[1], F_SETPIPE_SZ, (int)((k + 16) * PAGE)) < 0)
			die("F_SETPIPE_SZ");
		for (unsigned long h = 0; h < k; h++)
			if (vmsplice(pipefd[1], &held[h], 1, 0) != (ssize_t)PAGE)
				die("vmsplice");
	}

	if (!strcmp(mode, "uring")) {
		struct io_uring_params params = { 0 };
		int ring = (int)syscall(SYS_io_uring_setup, 4, &params);

		if (ring < 0 || syscall(SYS_io_uring_register, ring, IORING_REGISTER_BUFFERS, held, k) < 0)
			die("io_uring fixed buffers");
	}

	if (!strcmp(mode, "rdma")) {
#ifdef HAVE_IBVERBS
		rdma_pin(held, k, "hold-ram");
#else
		fprintf(stderr, "hold-ram: built without libibverbs: no rdma mode\n");
		return 1;
#endif
	}

	struct stat st = { 0 };
	FILE *f;

	if (pipefd[0] >= 0 && fstat(pipefd[0], &st))
		die("fstat");
	f = fopen(ready, "w");
	if (!f)
		die(ready);
	fprintf(f, "ready %d %lu\n", getpid(), (unsigned long)st.st_ino);
	fclose(f);
	printf("hold-ram: %s %lu pages in PFNs %#lx-%#lx\n", mode, k, first, last);
	fflush(stdout);
	while (!stop && access(release, F_OK))
		poll(NULL, 0, 20);
	return 0;
usage:
	fprintf(stderr, "usage: hold-ram -p FIRST-LAST -k K -r READY -t RELEASE [-m splice|uring|rdma|resident]\n");
	return 2;
}
