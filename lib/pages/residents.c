// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The processes whose memory lives in a range of system RAM: for each
 * process, the page frames of its mappings from /proc/PID/pagemap (root
 * sees frame numbers, others zeros), counted where they fall in the range.
 * An offline migrates such pages away, so they do not block it; they say
 * whose memory is there, and so who an offline moves and who a forced drain
 * would hit. Cost: 8 bytes of pagemap per page of every mapping, read in
 * chunks; mappings larger than RESIDENT_VMA_MAX (sanitizer shadows,
 * reserved heaps) are left out and said to be.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "pages_internal.h"

#define PAGE_SIZE_4K 4096ULL
#define PAGEMAP_CHUNK 4096	/* entries per read: 32 KiB */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
/* mappings beyond this are reservations, not memory in use */
#define RESIDENT_VMA_MAX (64ULL << 30)

static bool in_ranges(const struct daxpin_owners_target *t, uint64_t pfn)
{
	for (size_t i = 0; i < t->nr_ranges; i++)
		if (pfn >= t->ranges[i].pfn && pfn - t->ranges[i].pfn < t->ranges[i].count)
			return true;
	return false;
}

/* Pages of [start, end) present in the ranges. */
static uint64_t vma_resident(int pagemap, const struct daxpin_owners_target *t,
			     uint64_t start, uint64_t end, uint64_t *buf)
{
	uint64_t n = 0;

	for (uint64_t va = start; va < end;) {
		uint64_t pages = (end - va) / PAGE_SIZE_4K;
		ssize_t got;

		if (pages > PAGEMAP_CHUNK)
			pages = PAGEMAP_CHUNK;
		got = pread(pagemap, buf, pages * 8, (off_t)(va / PAGE_SIZE_4K * 8));
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got / 8; i++)
			if ((buf[i] & PM_PRESENT) && in_ranges(t, buf[i] & PM_PFN_MASK))
				n++;
		va += (uint64_t)got / 8 * PAGE_SIZE_4K;
	}
	return n;
}

/* /proc/PID/stat: comm, and the start time as the owners scan gives it. */
static int read_stat(int dfd, struct daxpin_owner *ow)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ticks;
	char buf[1024], *open_paren, *close_paren, *p;
	int fd = openat(dfd, "stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return -EIO;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EIO;
	snprintf(ow->comm, sizeof(ow->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	p = close_paren;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return -EIO;
	ow->start_time_ns = ticks * (1000000000ULL / (unsigned long long)hz);
	return 0;
}

static struct daxpin_owner *owner_of(struct daxpin_target_owners *to, pid_t pid)
{
	for (size_t i = 0; i < to->nr_owners; i++)
		if (to->owners[i].pid == pid)
			return &to->owners[i];
	return array_push(&to->owners, &to->nr_owners, sizeof(*to->owners));
}

static int process_residents(int dfd, pid_t pid, const struct daxpin_owners_target *t,
			     struct daxpin_target_owners *to, uint64_t *buf, bool *skipped)
{
	struct daxpin_owner found = { .pid = pid }, *ow;
	struct daxpin_reference *ref;
	int mfd = openat(dfd, "maps", O_RDONLY | O_CLOEXEC);
	int pfd = openat(dfd, "pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t pages = 0;
	char line[512];
	FILE *maps;

	if (mfd < 0 || pfd < 0) {
		if (mfd >= 0)
			close(mfd);
		if (pfd >= 0)
			close(pfd);
		return 0;	/* gone, or a kernel thread */
	}
	maps = fdopen(mfd, "r");
	while (maps && fgets(line, sizeof(line), maps)) {
		unsigned long long start, end;

		if (sscanf(line, "%llx-%llx", &start, &end) != 2 || end <= start)
			continue;
		if (end - start > RESIDENT_VMA_MAX) {
			*skipped = true;
			continue;
		}
		pages += vma_resident(pfd, t, start, end, buf);
	}
	if (maps)
		fclose(maps);
	else
		close(mfd);
	close(pfd);
	if (!pages || read_stat(dfd, &found))
		return 0;
	ow = owner_of(to, pid);
	if (!ow)
		return -ENOMEM;
	if (ow->pid != pid) {	/* new: no pipe or ring of its own */
		struct stat st;

		*ow = found;
		/* /proc/PID belongs to the process's effective uid */
		ow->uid = fstatat(dfd, "", &st, AT_EMPTY_PATH) ? (uid_t)-1 : st.st_uid;
	}
	ref = array_push(&ow->refs, &ow->nr_refs, sizeof(*ow->refs));
	if (!ref)
		return -ENOMEM;
	*ref = (struct daxpin_reference){ .kind = DAXPIN_REF_RESIDENT, .fd = -1, .pages = pages };
	return 0;
}

int residents_scan(const struct daxpin_owners_target *t, struct daxpin_target_owners *to,
		   bool *skipped)
{
	uint64_t *buf = malloc(PAGEMAP_CHUNK * 8);
	DIR *proc = opendir("/proc");
	struct dirent *e;
	int rc = 0;

	*skipped = false;
	if (!buf || !proc) {
		free(buf);
		if (proc)
			closedir(proc);
		return buf ? -errno : -ENOMEM;
	}
	while (!rc && (e = readdir(proc))) {
		pid_t pid;
		int dfd;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid == getpid())
			continue;	/* the scanner's own buffers are not a holder */
		dfd = openat(dirfd(proc), e->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		rc = process_residents(dfd, pid, t, to, buf, skipped);
		close(dfd);
	}
	closedir(proc);
	free(buf);
	return rc;
}
