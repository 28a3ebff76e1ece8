// SPDX-License-Identifier: LGPL-2.1-or-later
/* The holders scan from BPF iterators (bpf/holders.bpf.c). */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "procmaps.h"
#include "procstatus.h"
#include "holders_internal.h"

#if HOLDERS_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/bpf.h"
#include "core/daxpin_skel.h"
#endif

#if HOLDERS_BPF
static __u32 dev_to_kernel(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

static dev_t dev_from_kernel(__u32 kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/* Adds dev to a set kept sorted: the programs search it in halves. */
static int filter_add(__u32 *set, __u32 *nr, dev_t dev)
{
	__u32 kdev = dev_to_kernel(dev), i = 0;

	while (i < *nr && set[i] < kdev)
		i++;
	if (i < *nr && set[i] == kdev)
		return 0;
	if (*nr == HOLDERS_DEVS_MAX)
		return -E2BIG;
	memmove(&set[i + 1], &set[i], (*nr - i) * sizeof(*set));
	set[i] = kdev;
	(*nr)++;
	return 0;
}

/*
 * The devices the programs pass on: of filesystems and files, and device
 * nodes'. Unused entries are UINT32_MAX, above every entry in use, as the
 * programs' search needs.
 */
static int filter_fill(const struct scan *s, struct holders_filter *f)
{
	int rc = 0;

	memset(f->devs, 0xff, sizeof(f->devs));
	memset(f->rdevs, 0xff, sizeof(f->rdevs));
	f->nr_devs = f->nr_rdevs = 0;
	for (size_t i = 0; i < s->nr_targets && !rc; i++)
		for (size_t j = 0; j < s->targets[i].nr_keys && !rc; j++) {
			const struct daxpin_key *k = &s->targets[i].keys[j];

			if (k->kind == DAXPIN_KEY_CHARDEV || k->kind == DAXPIN_KEY_BLOCKDEV)
				rc = filter_add(f->rdevs, &f->nr_rdevs, k->dev);
			else
				rc = filter_add(f->devs, &f->nr_devs, k->dev);
		}
	return rc;
}

/* A growing array of records, read from the iterators. */
struct recs {
	char *buf;
	size_t len, cap;
};

/* The iterators with the targets' filter in their .bss, locked while in use. */
static int bpf_open(const struct scan *s, struct daxpin **skel, struct bpf_loaded *loaded)
{
	struct holders_filter filter;
	int rc;

	rc = filter_fill(s, &filter);
	if (rc)
		return rc;
	rc = BPF_SKELETON_GET(s->ctx, daxpin, skel, "", DAXPIN_SCAN_HOLDERS, loaded);
	if (rc)
		return rc;
	bpf_loaded_lock(loaded);
	(*skel)->bss->holders_filter = filter;
	return 0;
}

static int iter_read(const struct bpf_loaded *loaded, const struct bpf_program *prog,
		     struct recs *r)
{
	return bpf_iter_read_all(bpf_loaded_prog_fd(loaded, prog), &r->buf, &r->len, &r->cap);
}

static const struct holders_rec *rec_at(const struct recs *r, size_t i)
{
	return (const struct holders_rec *)r->buf + i;
}

static size_t recs_nr(const struct recs *r)
{
	return r->len / sizeof(struct holders_rec);
}

/* By process (tgid and start time), the process's own record first. */
static int rec_cmp(const void *a, const void *b)
{
	const struct holders_rec *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	if (x->start_boottime != y->start_boottime)
		return (x->start_boottime > y->start_boottime) - (x->start_boottime < y->start_boottime);
	return (x->kind < y->kind) - (x->kind > y->kind);
}

static void rec_match(struct worker *w, const struct holders_rec *r)
{
	static const unsigned int link_access[] = {
		[HOLDERS_REC_FD] = DAXPIN_ACCESS_FD,
		[HOLDERS_REC_CWD] = DAXPIN_ACCESS_CWD,
		[HOLDERS_REC_ROOT] = DAXPIN_ACCESS_ROOT,
		[HOLDERS_REC_EXE] = DAXPIN_ACCESS_EXE,
	};
	struct file_id id = { .dev = dev_from_kernel(r->dev), .ino = r->ino,
			      .mode = r->mode & S_IFMT, .rdev = dev_from_kernel(r->rdev) };

	if (r->kind == HOLDERS_REC_VMA) {
		struct vma v = { .start = r->start, .end = r->end, .dev = id.dev,
				 .ino = id.ino, .shared = r->vm_shared_write & 1,
				 .writable = r->vm_shared_write & 2 };

		holders_vma_match(w, &v, &id);
	} else if (r->kind < sizeof(link_access) / sizeof(link_access[0])) {
		holders_match_access(w, &id, link_access[r->kind]);
	}
}

/* A process found holding something, waiting for its pidfd to be proven. */
struct candidate {
	size_t first, end;	/* its records in the sorted first pass */
	int pidfd;		/* or -errno, as holders_pidfd() */
};

/*
 * The cgroup path of a cgroup id, read from /proc/PID/cgroup once per id;
 * NULL when the file names none (no cgroup mounted), which is remembered too.
 */
struct cgroup_memo {
	uint64_t id;
	char *path;
};

static int cgroup_path(struct cgroup_memo **memo, size_t *nr, size_t *cap,
		       int proc_fd, const struct holders_rec *task, char **path)
{
	struct daxpin_process p = { 0 };
	char name[16];
	int dfd, rc;

	for (size_t i = 0; i < *nr; i++)
		if ((*memo)[i].id == task->cgroup_id) {
			*path = (*memo)[i].path ? strdup((*memo)[i].path) : NULL;
			return *path || !(*memo)[i].path ? 0 : -ENOMEM;
		}
	snprintf(name, sizeof(name), "%u", task->tgid);
	dfd = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* gone meanwhile: the path stays unknown, and is not remembered */
	if (dfd < 0)
		return 0;
	rc = holders_read_cgroup(dfd, &p);
	close(dfd);
	if (rc < 0)
		return rc == -ENOMEM ? rc : 0;
	rc = array_grow((void **)memo, cap, *nr + 1, sizeof(**memo));
	if (!rc) {
		(*memo)[(*nr)++] = (struct cgroup_memo){ .id = task->cgroup_id, .path = p.cgroup };
		*path = p.cgroup ? strdup(p.cgroup) : NULL;
		rc = *path || !p.cgroup ? 0 : -ENOMEM;
	} else {
		free(p.cgroup);
	}
	return rc;
}

/* The second pass's record of a process, by tgid; NULL if it has none. */
static const struct holders_rec *task_find(const struct recs *r, uint32_t tgid)
{
	size_t lo = 0, hi = recs_nr(r);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rec_at(r, mid)->tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < recs_nr(r) && rec_at(r, lo)->tgid == tgid ? rec_at(r, lo) : NULL;
}

/*
 * The scan with BPF iterators. The first pass collects every process's
 * candidate files and who it is; the processes that hold something get a
 * pidfd; the second pass (the task program again) proves each pidfd names
 * the process the first pass saw: the same tgid with the same start time
 * still alive after the pidfd was opened. -ENOTSUP and load errors mean:
 * read /proc instead.
 */
int holders_scan_bpf(struct scan *s, struct daxpin_holders *h)
{
	long page = sysconf(_SC_PAGESIZE);
	struct recs first = { 0 }, second = { 0 };
	struct candidate *cand = NULL;
	size_t nr_cand = 0, cand_cap = 0, nr_memo = 0, memo_cap = 0;
	struct cgroup_memo *memo = NULL;
	struct daxpin *skel = NULL;
	struct bpf_loaded loaded;
	struct worker w = { 0 };
	int proc_fd = -1, pidfd, rc;

	if (!holders_in_initial_pid_ns())
		return -ENOTSUP;
	rc = bpf_open(s, &skel, &loaded);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_fds, &first);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_vmas, &first);
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_links, &first);
	if (!rc)
		rc = holders_worker_init(&w, s);
	if (rc)
		goto out;
	if (recs_nr(&first))
		qsort(first.buf, recs_nr(&first), sizeof(struct holders_rec), rec_cmp);
	for (size_t i = 0, j; !rc && i < recs_nr(&first); i = j) {
		memset(w.acc, 0, s->nr_targets * sizeof(*w.acc));
		for (j = i; j < recs_nr(&first) && rec_at(&first, j)->tgid == rec_at(&first, i)->tgid &&
			    rec_at(&first, j)->start_boottime == rec_at(&first, i)->start_boottime; j++)
			rec_match(&w, rec_at(&first, j));
		if (!holders_any_access(&w) || (pid_t)rec_at(&first, i)->tgid == s->self)
			continue;
		pidfd = holders_pidfd(s, (pid_t)rec_at(&first, i)->tgid);
		if (pidfd == -ESRCH)
			continue;	/* exited since */
		rc = array_grow((void **)&cand, &cand_cap, nr_cand + 1, sizeof(*cand));
		if (!rc)
			cand[nr_cand++] = (struct candidate){ .first = i, .end = j, .pidfd = pidfd };
		else if (pidfd >= 0)
			close(pidfd);
	}
	if (!rc)
		rc = iter_read(&loaded, skel->progs.holders_links, &second);
	if (rc)
		goto out;
	/* only the process records of the second pass matter, and they come first */
	if (recs_nr(&second))
		qsort(second.buf, recs_nr(&second), sizeof(struct holders_rec), rec_cmp);
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t c = 0; c < nr_cand; c++) {
		const struct holders_rec *r = rec_at(&first, cand[c].first);
		const struct holders_rec *now = task_find(&second, r->tgid);
		struct daxpin_process p = { .pid = (pid_t)r->tgid,
					    .pidfd = cand[c].pidfd >= 0 ? cand[c].pidfd : -1 };
		bool without_pidfd = cand[c].pidfd < 0 && cand[c].pidfd != -ENOSYS;

		cand[c].pidfd = -1;
		if (rc || !now || now->kind != HOLDERS_REC_TASK ||
		    now->start_boottime != r->start_boottime) {
			holders_process_release(&p);
			continue;	/* exited: holds nothing now */
		}
		snprintf(p.comm, sizeof(p.comm), "%.16s", now->comm);
		p.uid = now->euid;
		p.vm_pinned_bytes = now->pinned_pages * (uint64_t)page;
		if (proc_fd >= 0)
			rc = cgroup_path(&memo, &nr_memo, &memo_cap, proc_fd, now, &p.cgroup);
		memset(w.acc, 0, s->nr_targets * sizeof(*w.acc));
		for (size_t j = cand[c].first; j < cand[c].end; j++)
			rec_match(&w, rec_at(&first, j));
		w.without_pidfd += without_pidfd;
		if (rc)
			holders_process_release(&p);
		else
			rc = holders_push_process(&w, &p);
	}
	if (!rc)
		rc = holders_merge(h, &w, 1);
out:
	for (size_t c = 0; c < nr_cand; c++)
		if (cand[c].pidfd >= 0)
			close(cand[c].pidfd);
	for (size_t i = 0; i < nr_memo; i++)
		free(memo[i].path);
	free(memo);
	free(cand);
	if (proc_fd >= 0)
		close(proc_fd);
	holders_worker_release(&w);
	free(first.buf);
	free(second.buf);
	if (skel)
		bpf_loaded_unlock(&loaded);
	BPF_SKELETON_PUT(daxpin, skel, &loaded);
	return rc;
}

#endif
