// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Page state from the live kernel: loads bpf/pagestate.bpf.c once per
 * handle and runs it with BPF_PROG_TEST_RUN over PFN ranges, a slice at a
 * time, on every CPU at once (a thread per CPU, each with a slot of the
 * program's state); lib/pages/pageclass.c turns what it reports into counts.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "core/private.h"
#include "pageclass.h"
#include "pages_internal.h"
#include "bpf/pages/pagefile_abi.h"

/* The skeleton exists only when clang and bpftool were found (bpf/meson.build). */
#if HAVE_BPF && __has_include("daxpin.skel.h")
#define PAGESTATE_BPF 1
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/bpf.h"
#include "core/daxpin_skel.h"
#else
#define PAGESTATE_BPF 0
#endif

struct daxpin_pagestate {
	struct daxpin_ctx *ctx;
	int error;		/* 0 when available */
	char reason[128];
	enum daxpin_page_semantics sem;
#if PAGESTATE_BPF
	struct daxpin *skel;
	struct bpf_loaded loaded;
#endif
};

static int unavailable(struct daxpin_pagestate *ps, int error,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int unavailable(struct daxpin_pagestate *ps, int error,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof(ps->reason), fmt, ap);
	va_end(ap);
	ps->error = error;
	info(ps->ctx, "page state unavailable: %s\n", ps->reason);
	return error;
}

#if PAGESTATE_BPF

/* One BPF_PROG_TEST_RUN covers at most this many pages (4 GiB of 4 KiB
 * pages) so that no single run keeps a CPU for long. */
#define PAGES_PER_RUN (1ULL << 20)

static const char btf_path[] = "/sys/kernel/btf/vmlinux";

/* lockdown=confidentiality removes bpf_probe_read_kernel(); integrity
 * mode leaves it. No securityfs, no lockdown LSM: nothing to refuse. */
static bool locked_down(void)
{
	char buf[128] = "";
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, "[confidentiality]");
}

/* The setup program's findings (bpf/pages/pagestate.bpf.c), once per load
 * of the programs: callers of the pinned ones find them in the .bss. */
static int setup(struct daxpin_pagestate *ps)
{
	struct pagestate_setup *st = &ps->skel->bss->setup;

	if (!st->done &&
	    bpf_prog_test_run_opts(bpf_loaded_prog_fd(&ps->loaded, ps->skel->progs.pagestate_setup),
				   NULL))
		return unavailable(ps, -errno, "running the BPF setup program failed: %s",
				   strerror(errno));
	/* a typeless symbol: listed only with CONFIG_KALLSYMS_ALL */
	if (st->error == -ENOENT)
		return unavailable(ps, -ESRCH, "kernel does not list vmemmap_base in /proc/kallsyms (CONFIG_KALLSYMS_ALL)");
	if (st->error)
		return unavailable(ps, st->error, "cannot find vmemmap_base: %s",
				   strerror(-st->error));
	ps->sem = st->rework ? DAXPIN_PAGES_MAPPING_REFS : DAXPIN_PAGES_IDLE_REF;
	if (st->rework)
		dbg(ps->ctx, "kernel has the 6.15 page refcount rework\n");
	return 0;
}

/* scans: DAXPIN_SCAN_PAGES, with DAXPIN_SCAN_PAGEFILES for page files */
static int load(struct daxpin_pagestate *ps, unsigned int scans)
{
	int rc;

	if (access(btf_path, R_OK))
		return unavailable(ps, -ENOTSUP, "kernel has no BTF (%s)", btf_path);
	if (locked_down())
		return unavailable(ps, -EPERM,
				   "kernel lockdown=confidentiality forbids reading kernel memory");
	/* checked here too: lockdown's reason comes first, then this one */
	if (!bpf_capable())
		return unavailable(ps, -EPERM, "needs CAP_BPF and CAP_PERFMON (run as root)");
	rc = BPF_SKELETON_GET(ps->ctx, daxpin, &ps->skel, "", scans, &ps->loaded);
	if (rc)
		return unavailable(ps, rc, "loading the BPF program failed: %s",
				   strerror(-rc));
	bpf_loaded_lock(&ps->loaded);
	rc = setup(ps);
	bpf_loaded_unlock(&ps->loaded);
	return rc;
}

/* Runs the program over [pfn, end) with a slot, handing every run to fn. */
static int walk_range(struct daxpin_pagestate *ps, unsigned int slot, uint64_t pfn,
		      uint64_t end, pagestate_run_fn *fn, void *arg)
{
	int prog_fd = bpf_loaded_prog_fd(&ps->loaded, ps->skel->progs.pagestate_scan);
	const struct pagescan_run *runs = ps->skel->bss->runs[slot];
	unsigned int nr_runs = 0;

	while (pfn < end) {
		struct pagescan_args args = {
			.pfn = pfn,
			.nr_pages = end - pfn < PAGES_PER_RUN ? end - pfn : PAGES_PER_RUN,
			.slot = slot,
		};
		/* a SYSCALL program's context is copied back into ctx_in;
		 * the kernel refuses ctx_out for this program type */
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.ctx_in = &args,
			.ctx_size_in = sizeof(args),
		);
		int rc = bpf_prog_test_run_opts(prog_fd, &opts);

		if (rc) {
			rc = -errno;
			err(ps->ctx, "running the page-state program failed: %s\n",
			    strerror(-rc));
			return rc;
		}
		/*
		 * EFAULT: the struct pages went with their device (disabled
		 * mid-scan); callers report that as the device's state
		 */
		if (args.error) {
			daxpin_log_cond(ps->ctx, args.error == -EFAULT ? LOG_DEBUG : LOG_ERR,
					"reading the struct page of PFN %#llx failed: %s\n",
					(unsigned long long)args.error_pfn, strerror(-args.error));
			return args.error;
		}
		if (args.nr_runs > PAGESCAN_RUNS_MAX || args.next_pfn <= pfn) {
			err(ps->ctx, "page-state program made no progress at PFN %#llx\n",
			    (unsigned long long)pfn);
			return -EIO;
		}
		for (unsigned int i = 0; i < args.nr_runs; i++) {
			rc = fn(&runs[i], arg);
			if (rc)
				return rc;
		}
		nr_runs += args.nr_runs;
		pfn = args.next_pfn;
	}
	dbg(ps->ctx, "PFN range to %#llx: %u runs\n", (unsigned long long)end, nr_runs);
	return 0;
}

struct classify {
	struct daxpin_page_counts *counts;
	enum daxpin_page_semantics sem;
	enum daxpin_page_kind kind;
};

static int classify_run(const struct pagescan_run *run, void *arg)
{
	struct classify *c = arg;

	daxpin_pageclass_add(c->counts, run, c->sem, c->kind);
	return 0;
}

static int scan_range(struct daxpin_pagestate *ps, unsigned int slot, uint64_t pfn,
		      uint64_t end, enum daxpin_page_kind kind,
		      struct daxpin_page_counts *counts)
{
	struct classify c = { counts, ps->sem, kind };

	return walk_range(ps, slot, pfn, end, classify_run, &c);
}

/*
 * A scan is cut into pieces at multiples of PIECE_PAGES PFNs (1 GiB of
 * 4 KiB pages): no DAX folio is larger than 1 GiB and each is aligned to its
 * size, so no folio straddles a cut and the pieces' counts add up to exactly
 * what one walk over the whole range counts.
 */
#define PIECE_PAGES (1ULL << 18)

struct scan_piece {
	uint64_t pfn, end;
};

static int scan_split(const struct daxpin_pfn_range *ranges, size_t nr_ranges,
		      struct scan_piece **pieces, size_t *nr)
{
	size_t cap = 0;

	for (size_t i = 0; i < nr_ranges; i++) {
		uint64_t pfn = ranges[i].pfn, end = pfn + ranges[i].count;

		while (pfn < end) {
			uint64_t next = (pfn | (PIECE_PAGES - 1)) + 1;
			int rc = array_grow((void **)pieces, &cap, *nr + 1, sizeof(**pieces));

			if (rc)
				return rc;
			if (next > end || next < pfn)
				next = end;
			(*pieces)[(*nr)++] = (struct scan_piece){ pfn, next };
			pfn = next;
		}
	}
	return 0;
}

/* Consecutive pieces that one thread scans with its own slot. */
struct scan_part {
	struct daxpin_pagestate *ps;
	const struct scan_piece *pieces;
	size_t nr_pieces;
	unsigned int slot;
	enum daxpin_page_kind kind;
	struct daxpin_page_counts counts;
	int rc;
	pthread_t thread;
	bool threaded;
};

static void *scan_part_run(void *arg)
{
	struct scan_part *part = arg;

	for (size_t i = 0; i < part->nr_pieces && !part->rc; i++)
		part->rc = scan_range(part->ps, part->slot, part->pieces[i].pfn,
				      part->pieces[i].end, part->kind, &part->counts);
	return NULL;
}

/* One thread per CPU the caller may run on (its affinity: taskset(1)
 * limits a scan), at most one per slot and one per piece. */
static unsigned int scan_threads(size_t nr_pieces)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set))
		n = sysconf(_SC_NPROCESSORS_ONLN);
	else
		n = CPU_COUNT(&set);
	if (n > PAGESCAN_SLOTS)
		n = PAGESCAN_SLOTS;
	if ((size_t)n > nr_pieces)
		n = (long)nr_pieces;
	return n > 1 ? (unsigned int)n : 1;
}

/* The pieces in about equal shares of pages, a thread each (the caller
 * scans the first share), summed in PFN order: the same counts, busy
 * folios included, as one walk. */
static int scan_parallel(struct daxpin_pagestate *ps, const struct scan_piece *pieces,
			 size_t nr_pieces, enum daxpin_page_kind kind,
			 struct daxpin_page_counts *counts)
{
	struct scan_part parts[PAGESCAN_SLOTS];
	unsigned int nr_parts = scan_threads(nr_pieces);
	uint64_t total = 0, done = 0;
	size_t next = 0;
	int rc = 0;

	for (size_t i = 0; i < nr_pieces; i++)
		total += pieces[i].end - pieces[i].pfn;
	for (unsigned int t = 0; t < nr_parts; t++) {
		struct scan_part *part = &parts[t];
		uint64_t goal = total / nr_parts * (t + 1);

		*part = (struct scan_part){ .ps = ps, .pieces = pieces + next,
					    .slot = t, .kind = kind };
		daxpin_pageclass_init(&part->counts, ps->sem);
		/* a piece goes to this share if most of it lies before the goal */
		while (next < nr_pieces &&
		       (t == nr_parts - 1 ||
			done + (pieces[next].end - pieces[next].pfn) / 2 <= goal)) {
			done += pieces[next].end - pieces[next].pfn;
			part->nr_pieces++;
			next++;
		}
	}
	for (unsigned int t = 1; t < nr_parts; t++)
		parts[t].threaded = parts[t].nr_pieces &&
			!pthread_create(&parts[t].thread, NULL, scan_part_run, &parts[t]);
	scan_part_run(&parts[0]);
	daxpin_pageclass_init(counts, ps->sem);
	for (unsigned int t = 0; t < nr_parts; t++) {
		if (parts[t].threaded)
			pthread_join(parts[t].thread, NULL);
		else if (t > 0)
			scan_part_run(&parts[t]);	/* no thread: scan it here */
		if (!rc)
			rc = parts[t].rc;
		daxpin_page_counts_add(counts, &parts[t].counts);
	}
	if (nr_parts > 1)
		dbg(ps->ctx, "page scan: %zu pieces over %u threads\n", nr_pieces, nr_parts);
	return rc;
}

/* Up to PAGEFILE_MAX frames, through the pagefile_lookup program's .bss. */
static int page_files_chunk(struct daxpin_pagestate *ps, struct daxpin_page_file *pages,
			    size_t nr)
{
	struct pagefile_lookup *l = &ps->skel->bss->lookup;
	int rc;

	memset(l, 0, sizeof(*l));
	l->nr = nr;
	for (size_t i = 0; i < nr; i++)
		l->pfn[i] = pages[i].pfn;
	rc = bpf_prog_test_run_opts(bpf_loaded_prog_fd(&ps->loaded, ps->skel->progs.pagefile_lookup),
				    NULL);
	if (rc)
		return -errno;
	if (l->error) {
		err(ps->ctx, "reading struct pages failed: %s\n", strerror(-l->error));
		return l->error;
	}
	for (size_t i = 0; i < nr; i++) {
		pages[i].known = l->ino[i] != 0;
		/* the kernel's dev_t: 12 bits of major above 20 of minor */
		pages[i].dev = makedev(l->dev[i] >> 20, l->dev[i] & 0xfffff);
		pages[i].ino = l->ino[i];
		pages[i].index = l->index[i];
	}
	return 0;
}

#endif /* PAGESTATE_BPF */

DAXPIN_EXPORT int daxpin_pagestate_open(struct daxpin_ctx *ctx,
					struct daxpin_pagestate **out)
{
	struct daxpin_pagestate *ps = calloc(1, sizeof(*ps));

	*out = ps;
	if (!ps)
		return -ENOMEM;
	ps->ctx = ctx;
#if PAGESTATE_BPF
	/* the lookup of page files only where the handle's caller declared it */
	return load(ps, DAXPIN_SCAN_PAGES | (ctx->scans & DAXPIN_SCAN_PAGEFILES));
#else
	return unavailable(ps, -ENOTSUP, "built without BPF support");
#endif
}

DAXPIN_EXPORT const char *daxpin_pagestate_reason(const struct daxpin_pagestate *ps)
{
	return ps->error ? ps->reason : NULL;
}

DAXPIN_EXPORT enum daxpin_page_semantics
daxpin_pagestate_semantics(const struct daxpin_pagestate *ps)
{
	return ps->sem;
}

DAXPIN_EXPORT const char *daxpin_page_semantics_name(enum daxpin_page_semantics sem)
{
	switch (sem) {
	case DAXPIN_PAGES_IDLE_REF:
		return "idle-ref";
	case DAXPIN_PAGES_MAPPING_REFS:
		return "mapping-refs";
	}
	return NULL;
}

DAXPIN_EXPORT int daxpin_pagestate_scan(struct daxpin_pagestate *ps,
					const struct daxpin_pfn_range *ranges,
					size_t nr_ranges, enum daxpin_page_kind kind,
					struct daxpin_page_counts *counts)
{
	daxpin_pageclass_init(counts, ps->sem);
	if (ps->error)
		return ps->error;
	for (size_t i = 0; i < nr_ranges; i++)
		if (ranges[i].pfn + ranges[i].count < ranges[i].pfn)
			return -EINVAL;
#if PAGESTATE_BPF
	struct scan_piece *pieces = NULL;
	size_t nr_pieces = 0;
	int rc;

	rc = scan_split(ranges, nr_ranges, &pieces, &nr_pieces);
	if (rc) {
		free(pieces);
		return rc;
	}
	/* the program reports its runs in its .bss, which pins share: one
	 * process at a time, one slot per thread */
	bpf_loaded_lock(&ps->loaded);
	rc = scan_parallel(ps, pieces, nr_pieces, kind, counts);
	bpf_loaded_unlock(&ps->loaded);
	free(pieces);
	return rc;
#else
	return 0;
#endif
}

int pagestate_walk(struct daxpin_pagestate *ps, uint64_t pfn, uint64_t end,
		   pagestate_run_fn *fn, void *arg)
{
	int rc = ps->error;

	if (rc)
		return rc;
#if PAGESTATE_BPF
	bpf_loaded_lock(&ps->loaded);
	rc = walk_range(ps, 0, pfn, end, fn, arg);
	bpf_loaded_unlock(&ps->loaded);
#else
	(void)pfn, (void)end, (void)fn, (void)arg;
#endif
	return rc;
}

DAXPIN_EXPORT int daxpin_page_files(struct daxpin_pagestate *ps,
				    struct daxpin_page_file *pages, size_t nr)
{
	int rc = 0;

	if (ps->error)
		return ps->error;
#if PAGESTATE_BPF
	/*
	 * A handle opened without DAXPIN_SCAN_PAGEFILES declared has no
	 * lookup: opened again with it (pinned, only the lookup loads).
	 */
	if (bpf_loaded_prog_fd(&ps->loaded, ps->skel->progs.pagefile_lookup) < 0) {
		BPF_SKELETON_PUT(daxpin, ps->skel, &ps->loaded);
		ps->skel = NULL;
		rc = load(ps, DAXPIN_SCAN_PAGES | DAXPIN_SCAN_PAGEFILES);
		if (rc)
			return rc;
	}
	bpf_loaded_lock(&ps->loaded);
	for (size_t done = 0; done < nr && !rc; done += PAGEFILE_MAX)
		rc = page_files_chunk(ps, pages + done,
				      nr - done < PAGEFILE_MAX ? nr - done : PAGEFILE_MAX);
	bpf_loaded_unlock(&ps->loaded);
#endif
	return rc;
}

DAXPIN_EXPORT void daxpin_pagestate_close(struct daxpin_pagestate *ps)
{
	if (!ps)
		return;
#if PAGESTATE_BPF
	BPF_SKELETON_PUT(daxpin, ps->skel, &ps->loaded);
#endif
	free(ps);
}

DAXPIN_EXPORT void daxpin_page_counts_add(struct daxpin_page_counts *sum,
					  const struct daxpin_page_counts *c)
{
	sum->pages += c->pages;
	sum->folios += c->folios;
	sum->refs += c->refs;
	sum->referenced_pages += c->referenced_pages;
	sum->pinned_pages += c->pinned_pages;
	sum->mapped_known = c->mapped_known;
	sum->mapped_pages += c->mapped_pages;
	sum->busy_folios += c->busy_folios;
	if (c->max_refcount > sum->max_refcount)
		sum->max_refcount = c->max_refcount;
	sum->tail_pages += c->tail_pages;
	for (size_t i = 0; i < c->nr_busy && sum->nr_busy < DAXPIN_PAGES_BUSY_MAX; i++)
		sum->busy[sum->nr_busy++] = c->busy[i];
}
