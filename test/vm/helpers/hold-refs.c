// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hold-refs: map a device-dax character device or an fsdax file and hold
 * page references on it until told to let go.
 *
 *   hold-refs [-m splice|pin|touch|map] [-k K] [-s STRIDE] [-o OFFSET]
 *             [-l LENGTH] [-r READY_FILE] [-t TRIGGER_FILE] [-u] PATH
 *
 * Modes:
 *   splice (default)  write-touch K pages, then vmsplice() them into a pipe:
 *                     the pipe holds one reference per page until it is
 *                     closed (verified on 6.1 and 7.2, needs no hardware).
 *   pin               write-touch K pages, then register each as an RDMA
 *                     memory region on the first verbs device (soft-RoCE
 *                     rdma_rxe will do): long-term FOLL_PIN pins, as RDMA
 *                     takes them in production. Only when built with
 *                     libibverbs. The kernel refuses them on fsdax.
 *   touch             write-touch K pages and keep the mapping, no extra refs.
 *   map               only keep the mapping.
 * Page i is at OFFSET + i * STRIDE (STRIDE defaults to the page size). On a
 * device-dax device with 2M (or 1G) alignment its pages are compound folios:
 * use STRIDE = the alignment for K references on K different folios; a 4K
 * stride puts K references on one folio. The pages are written before they
 * are spliced because vmsplice() reads: a read fault on an fsdax hole maps the
 * shared zero page, not a page of the file.
 * LENGTH (default OFFSET + K * STRIDE) is the mapping length; device-dax
 * needs it aligned to the device's alignment. A regular file shorter than
 * LENGTH is extended.
 *
 * -u unmaps and closes PATH once the pages are held: the references stay,
 * and no process maps or opens the file or device any more.
 *
 * Once held it prints "ready PID" on stdout and into READY_FILE. It lets go
 * (closes the pipe or deregisters the regions) on SIGUSR1, SIGINT, SIGTERM
 * or when TRIGGER_FILE appears, prints "released", and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#define PIN_MODE "pin|"
#else
#define PIN_MODE ""
#endif

static void die(const char *what)
{
	fprintf(stderr, "hold-refs: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s)
		goto bad;
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++;
	}
	if (!*end)
		return v;
bad:
	fprintf(stderr, "hold-refs: bad number '%s'\n", s);
	exit(2);
}

/* splice K pages of the mapping into a new pipe; returns its read end */
static int splice_pages(char *base, unsigned long k, unsigned long stride, long page)
{
	struct iovec *iov = calloc(k, sizeof(*iov));
	unsigned long i, bufs = 1;
	int fds[2], queued;
	ssize_t n;

	if (!iov || pipe(fds))
		die("pipe");
	/* one pipe buffer per page: make room for K of them */
	while (bufs < k)
		bufs <<= 1;
	if (fcntl(fds[1], F_SETPIPE_SZ, bufs * page) < 0)
		die("F_SETPIPE_SZ");
	for (i = 0; i < k; i++) {
		iov[i].iov_base = base + i * stride;
		iov[i].iov_len = page;
	}
	n = vmsplice(fds[1], iov, k, SPLICE_F_NONBLOCK);
	if (n < 0)
		die("vmsplice");
	if (ioctl(fds[0], FIONREAD, &queued) || (unsigned long)n != k * page ||
	    (unsigned long)queued != k * page) {
		fprintf(stderr, "hold-refs: spliced %zd of %lu bytes\n", n, k * page);
		exit(1);
	}
	close(fds[1]);
	free(iov);
	return fds[0];
}

#ifdef HAVE_IBVERBS
/* pin K pages with one memory region each; they stay pinned until exit */
static void pin_pages(char *base, unsigned long k, unsigned long stride, long page)
{
	struct ibv_device **devs = ibv_get_device_list(NULL);
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	unsigned long i;

	if (!devs || !devs[0]) {
		fprintf(stderr, "hold-refs: no RDMA device (rdma link add rxe0 type rxe netdev DEV)\n");
		exit(1);
	}
	ctx = ibv_open_device(devs[0]);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd)
		die(ibv_get_device_name(devs[0]));
	for (i = 0; i < k; i++)
		if (!ibv_reg_mr(pd, base + i * stride, page,
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE))
			die("ibv_reg_mr");
}
#endif

static volatile sig_atomic_t released;

static void on_signal(int sig)
{
	released = 1;
}

int main(int argc, char **argv)
{
	const char *mode = "splice", *ready = NULL, *trigger = NULL;
	unsigned long k = 1, offset = 0, length = 0, i;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long stride = page;
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct stat st;
	int opt, fd, pipe_fd = -1, unmap = 0;
	char *base;

	while ((opt = getopt(argc, argv, "m:k:s:o:l:r:t:u")) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'k': k = number(optarg); break;
		case 's': stride = number(optarg); break;
		case 'o': offset = number(optarg); break;
		case 'l': length = number(optarg); break;
		case 'r': ready = optarg; break;
		case 't': trigger = optarg; break;
		case 'u': unmap = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !k || stride % page || offset % page ||
	    (strcmp(mode, "splice") && strcmp(mode, "touch") && strcmp(mode, "map")
#ifdef HAVE_IBVERBS
	     && strcmp(mode, "pin")
#endif
	     ))
		goto usage;
	if (!length)
		length = offset + k * stride;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = open(argv[optind], O_RDWR | O_CREAT, 0644);
	if (fd < 0 || fstat(fd, &st))
		die(argv[optind]);
	if (S_ISREG(st.st_mode) && (unsigned long)st.st_size < length &&
	    ftruncate(fd, length))
		die("ftruncate");
	base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		die("mmap");
	if (strcmp(mode, "map"))
		for (i = 0; i < k; i++)
			base[offset + i * stride] = 1;
	if (!strcmp(mode, "splice"))
		pipe_fd = splice_pages(base + offset, k, stride, page);
#ifdef HAVE_IBVERBS
	if (!strcmp(mode, "pin"))
		pin_pages(base + offset, k, stride, page);
#endif
	if (unmap && (munmap(base, length) || close(fd)))
		die("munmap");

	fprintf(stderr, "hold-refs: %s %s: %lu pages from offset %lu, stride %lu, mapping %lu bytes\n",
		mode, argv[optind], k, offset, stride, length);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f || fprintf(f, "ready %d\n", getpid()) < 0 || fclose(f))
			die(ready);
	}

	while (!released && !(trigger && !access(trigger, F_OK)))
		nanosleep(&tick, NULL);

	/* closing the last end frees the pipe buffers: the references go;
	 * exiting closes the verbs device, which deregisters the regions */
	if (pipe_fd >= 0)
		close(pipe_fd);
	printf("released\n");
	return 0;
usage:
	fprintf(stderr, "usage: hold-refs [-m splice|" PIN_MODE "touch|map] [-k K] [-s STRIDE] [-o OFFSET]\n"
			"                 [-l LENGTH] [-r READY_FILE] [-t TRIGGER_FILE] [-u] PATH\n");
	return 2;
}
