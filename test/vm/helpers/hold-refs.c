// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hold-refs: map a device-dax character device or an fsdax file and hold
 * page references on it until told to let go.
 *
 *   hold-refs [-m splice|file-splice|uring|pin|vfio|touch|map] [-k K] [-s STRIDE]
 *             [-o OFFSET] [-l LENGTH] [-p FIFO] [-g GROUP] [-c] [-f] [-T] [-R] [-I]
 *             [-r READY_FILE] [-t TRIGGER_FILE] PATH
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
 *   file-splice       splice() K pages of the file (not of a mapping) into a
 *                     pipe, from OFFSET + i * STRIDE.
 *   uring             write-touch K pages, then register them as io_uring
 *                     fixed buffers, one page each (raw system calls, no
 *                     liburing). Exits 95 (EOPNOTSUPP) if the kernel
 *                     refuses DAX memory, as 6.1 does.
 *   vfio              write-touch K pages, then map each for DMA through a
 *                     VFIO container holding the IOMMU group GROUP
 *                     (/dev/vfio/N, a device bound to vfio-pci):
 *                     VFIO_IOMMU_MAP_DMA pins them (FOLL_LONGTERM) until
 *                     the container goes, as a VM's guest memory is. Exits
 *                     95 where the kernel refuses to pin the pages.
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
 * Splicing modes: -p FIFO splices into that FIFO (created if missing, opened
 * read-write) instead of a new pipe; -c then unmaps and closes PATH, so
 * that only the pipe holds the pages and the process holds nothing of PATH
 * (a filesystem can then be unmounted); -f hands the pipe to a forked child
 * and closes the parent's end: the child holds the references, and the
 * parent waits for it. READY_FILE then names the child. -T moves the pages
 * on from the pipe into a loopback TCP connection that nobody reads: the
 * socket's queue holds the references, the pipe is empty.
 *
 * -R (touch mode): when released, before exiting, count the held
 * pages present in the page tables (/proc/self/pagemap), read each one back
 * and check what was written, and count again: "refault: N present, data
 * intact, M present". A forced layout break unmaps them (N = 0); the reads
 * fault them back (M = K).
 *
 * Once held it prints "ready PID" on stdout and into READY_FILE. It lets go
 * (closes the pipe or deregisters the regions) on SIGUSR1, SIGINT, SIGTERM
 * or when TRIGGER_FILE appears, prints "released", and exits 0. -I ignores
 * SIGTERM: a holder only SIGKILL ends (daxpin drain --force's grace).
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
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include <linux/vfio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_IBVERBS
#include "rdma-pin.h"
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

/* a new pipe, or the FIFO opened read-write (which never blocks), with
 * room for K pipe buffers; fds[0] and fds[1] may be the same fd */
static void open_pipe(const char *fifo, unsigned long k, long page, int fds[2])
{
	unsigned long bufs = 1;

	if (fifo) {
		if (mkfifo(fifo, 0600) && errno != EEXIST)
			die(fifo);
		fds[0] = fds[1] = open(fifo, O_RDWR);
		if (fds[0] < 0)
			die(fifo);
	} else if (pipe(fds)) {
		die("pipe");
	}
	/* one pipe buffer per page: make room for K of them */
	while (bufs < k)
		bufs <<= 1;
	if (fcntl(fds[1], F_SETPIPE_SZ, bufs * page) < 0)
		die("F_SETPIPE_SZ");
}

/* checks that the pipe holds all n bytes, keeps its read end only */
static int keep_read_end(const int fds[2], ssize_t n, unsigned long want)
{
	int queued;

	if (ioctl(fds[0], FIONREAD, &queued) || n < 0 || (unsigned long)n != want ||
	    (unsigned long)queued != want) {
		fprintf(stderr, "hold-refs: spliced %zd of %lu bytes\n", n, want);
		exit(1);
	}
	if (fds[1] != fds[0])
		close(fds[1]);
	return fds[0];
}

/* vmsplice K pages of the mapping into a pipe; returns its read end */
static int splice_pages(char *base, unsigned long k, unsigned long stride, long page,
			const char *fifo)
{
	struct iovec *iov = calloc(k, sizeof(*iov));
	unsigned long i;
	int fds[2];
	ssize_t n;

	if (!iov)
		die("calloc");
	open_pipe(fifo, k, page, fds);
	for (i = 0; i < k; i++) {
		iov[i].iov_base = base + i * stride;
		iov[i].iov_len = page;
	}
	n = vmsplice(fds[1], iov, k, SPLICE_F_NONBLOCK);
	if (n < 0)
		die("vmsplice");
	free(iov);
	return keep_read_end(fds, n, k * page);
}

/* splice() K pages of the file itself into a pipe; returns its read end */
static int splice_file(int fd, unsigned long offset, unsigned long k,
		       unsigned long stride, long page, const char *fifo)
{
	ssize_t n, total = 0;
	unsigned long i;
	int fds[2];

	open_pipe(fifo, k, page, fds);
	for (i = 0; i < k; i++) {
		loff_t off = (loff_t)(offset + i * stride);

		n = splice(fd, &off, fds[1], NULL, (size_t)page, SPLICE_F_NONBLOCK);
		if (n < 0)
			die("splice");
		total += n;
	}
	return keep_read_end(fds, total, k * page);
}

/* splice()s everything in the pipe into a loopback TCP connection whose
 * receiver never reads; returns the sending socket */
static int splice_to_tcp(int pipe_fd, unsigned long bytes)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), sfd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (lfd < 0 || sfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&addr, &len) ||
	    connect(sfd, (struct sockaddr *)&addr, sizeof(addr)))
		die("loopback TCP");
	while (bytes) {
		n = splice(pipe_fd, NULL, sfd, NULL, bytes, 0);
		if (n <= 0)
			die("splice to TCP");
		bytes -= (unsigned long)n;
	}
	return sfd;	/* the listener keeps the unaccepted receiving end */
}

/* registers K pages as io_uring fixed buffers; returns the ring's fd */
static int register_pages(char *base, unsigned long k, unsigned long stride, long page)
{
	struct io_uring_params params = { 0 };
	struct iovec *iov = calloc(k, sizeof(*iov));
	unsigned long i;
	int ring = (int)syscall(SYS_io_uring_setup, 4, &params);

	if (!iov || ring < 0)
		die("io_uring_setup");
	for (i = 0; i < k; i++) {
		iov[i].iov_base = base + i * stride;
		iov[i].iov_len = page;
	}
	if (syscall(SYS_io_uring_register, ring, IORING_REGISTER_BUFFERS, iov, k) < 0) {
		int e = errno;

		fprintf(stderr, "hold-refs: io_uring_register(IORING_REGISTER_BUFFERS): %s\n",
			strerror(e));
		exit(e == EOPNOTSUPP ? 95 : 1);
	}
	free(iov);
	return ring;
}

/* hands the pipe to a child, which holds it until released; the parent
 * closes its end and waits. Returns in the child only. */
static void hand_to_child(int pipe_fd)
{
	int status;
	pid_t child = fork();

	if (child < 0)
		die("fork");
	if (!child)
		return;
	close(pipe_fd);
	if (waitpid(child, &status, 0) < 0)
		die("waitpid");
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

#ifdef HAVE_IBVERBS
/* pin K pages with one memory region each; they stay pinned until exit */
static void pin_pages(char *base, unsigned long k, unsigned long stride, long page)
{
	struct iovec *iov = calloc(k, sizeof(*iov));

	if (!iov)
		die("calloc");
	for (unsigned long i = 0; i < k; i++)
		iov[i] = (struct iovec){ base + i * stride, (size_t)page };
	rdma_pin(iov, k, "hold-refs");
	free(iov);
}
#endif

/* maps K pages for DMA, one mapping each, through a new VFIO container
 * holding GROUP; the group and container fds stay open until exit */
static void vfio_map_pages(const char *group_path, char *base, unsigned long k,
			   unsigned long stride, long page)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int container = open("/dev/vfio/vfio", O_RDWR);
	int group = open(group_path, O_RDWR);
	unsigned long i;

	if (container < 0)
		die("/dev/vfio/vfio");
	if (group < 0)
		die(group_path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "hold-refs: %s: not viable (bind every device of the group to vfio-pci)\n",
			group_path);
		exit(1);
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	for (i = 0; i < k; i++) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)(base + i * stride),
			.iova = (i + 1) * (uint64_t)page,
			.size = (uint64_t)page,
		};

		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map)) {
			int e = errno;

			fprintf(stderr, "hold-refs: VFIO_IOMMU_MAP_DMA of page %lu: %s\n", i, strerror(e));
			exit(e == EOPNOTSUPP ? 95 : 1);
		}
	}
}

/* how many of the K pages are present in this process's page tables */
static unsigned long pages_present(const char *base, unsigned long k,
				   unsigned long stride, long page)
{
	unsigned long i, present = 0;
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("/proc/self/pagemap");
	for (i = 0; i < k; i++) {
		off_t at = (off_t)((uintptr_t)(base + i * stride) / page * sizeof(entry));

		if (pread(fd, &entry, sizeof(entry), at) != sizeof(entry))
			die("reading /proc/self/pagemap");
		present += entry >> 63;
	}
	close(fd);
	return present;
}

/* -R: what a forced layout break left of the mapping, and the fault back */
static void report_refault(const char *base, unsigned long k,
			   unsigned long stride, long page)
{
	unsigned long before = pages_present(base, k, stride, page), i, intact = 0;

	for (i = 0; i < k; i++)
		intact += ((const volatile char *)base)[i * stride] == 1;
	printf("refault: %lu present, data %s, %lu present\n", before,
	       intact == k ? "intact" : "changed", pages_present(base, k, stride, page));
}

static volatile sig_atomic_t released;

static void on_signal(int sig)
{
	released = 1;
}

int main(int argc, char **argv)
{
	const char *mode = "splice", *ready = NULL, *trigger = NULL, *fifo = NULL, *group = NULL;
	int close_dev = 0, fork_child = 0, to_tcp = 0, refault = 0, ignore_term = 0;
	unsigned long k = 1, offset = 0, length = 0, i;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long stride = page;
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct stat st;
	int opt, fd, pipe_fd = -1;
	char *base;

	while ((opt = getopt(argc, argv, "m:k:s:o:l:r:t:p:g:cfTRI")) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'k': k = number(optarg); break;
		case 's': stride = number(optarg); break;
		case 'o': offset = number(optarg); break;
		case 'l': length = number(optarg); break;
		case 'r': ready = optarg; break;
		case 't': trigger = optarg; break;
		case 'p': fifo = optarg; break;
		case 'g': group = optarg; break;
		case 'c': close_dev = 1; break;
		case 'f': fork_child = 1; break;
		case 'T': to_tcp = 1; break;
		case 'R': refault = 1; break;
		case 'I': ignore_term = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !k || stride % page || offset % page ||
	    (strcmp(mode, "splice") && strcmp(mode, "file-splice") && strcmp(mode, "uring") &&
	     strcmp(mode, "touch") && strcmp(mode, "map") && strcmp(mode, "vfio")
#ifdef HAVE_IBVERBS
	     && strcmp(mode, "pin")
#endif
	     ) || (refault && (strcmp(mode, "touch") || close_dev)) ||
	    !strcmp(mode, "vfio") != !!group)
		goto usage;
	if (!length)
		length = offset + k * stride;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (ignore_term)
		sa.sa_handler = SIG_IGN;
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
		pipe_fd = splice_pages(base + offset, k, stride, page, fifo);
	if (!strcmp(mode, "file-splice"))
		pipe_fd = splice_file(fd, offset, k, stride, page, fifo);
	if (!strcmp(mode, "uring"))
		register_pages(base + offset, k, stride, page);
	if (group)
		vfio_map_pages(group, base + offset, k, stride, page);
	if (to_tcp && pipe_fd >= 0)
		splice_to_tcp(pipe_fd, k * page);
#ifdef HAVE_IBVERBS
	if (!strcmp(mode, "pin"))
		pin_pages(base + offset, k, stride, page);
#endif
	if (close_dev && (munmap(base, length) || close(fd)))
		die("closing the device");
	if (fork_child && pipe_fd >= 0)
		hand_to_child(pipe_fd);

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
	 * exiting closes the verbs device, which deregisters the regions, and
	 * the VFIO container, which unmaps the DMA */
	if (pipe_fd >= 0)
		close(pipe_fd);
	if (refault)
		report_refault(base + offset, k, stride, page);
	printf("released\n");
	return 0;
usage:
	fprintf(stderr, "usage: hold-refs [-m splice|file-splice|uring|" PIN_MODE "vfio|touch|map] [-k K] [-s STRIDE]\n"
			"                 [-o OFFSET] [-l LENGTH] [-p FIFO] [-g GROUP] [-c] [-f] [-T] [-R] [-I]\n"
			"                 [-r READY_FILE] [-t TRIGGER_FILE] PATH\n");
	return 2;
}
