// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagestate-probe: page-state counts of one dax device, namespace or raw
 * PFN range through libdaxpin, as key=value lines; for the VM scenarios and
 * the pagescan benchmark, not installed.
 *
 *   pagestate-probe [-v] [-b REPEAT] daxX.Y | namespaceX.Y
 *   pagestate-probe [-v] [-b REPEAT] -k fsdax|devdax -p PFN:COUNT
 *
 * -b scans REPEAT times and also times a user-space memcpy() of as many
 * bytes as the scanned struct page array holds (the physical limit of any
 * scan), with as many threads as the scan uses (one per CPU it may run on:
 * run it under taskset(1) for fewer), printing the best of each and their
 * ratio.
 * Exit: 0, 1 on error, 77 when page state is unavailable (with the reason).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <daxpin/daxpin.h>
#include <daxpin/pagestate.h>

#include "bpf/pages/pagescan_abi.h"

struct target {
	const struct daxpin_pfn_range *ranges;
	size_t nr_ranges;
	enum daxpin_page_kind kind;
};

static int find_device(const struct daxpin_topology *topo, const char *name,
		       struct target *t)
{
	struct daxpin_object obj;

	if (daxpin_topology_lookup(topo, name, &obj))
		return -ENOENT;
	if (obj.ns && obj.ns->mode == DAXPIN_NS_MODE_FSDAX)
		*t = (struct target){ obj.ns->ranges, obj.ns->nr_ranges, DAXPIN_PAGE_FSDAX };
	else if (obj.daxdev)
		*t = (struct target){ obj.daxdev->ranges, obj.daxdev->nr_ranges, DAXPIN_PAGE_DEVDAX };
	else
		return -ENOENT;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sizeof(struct page) in the running kernel, from its BTF */
static size_t struct_page_size(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id;

	if (!btf)
		return 64;
	id = btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	size_t size = t ? t->size : 64;
	btf__free(btf);
	return size;
}

/* A thread's share of the memcpy() baseline: BYTES copied from src to dst
 * BLOCK bytes at a time. */
struct copier {
	pthread_t thread;
	size_t bytes, block;
	char *src, *dst;
};

static void *copy_share(void *arg)
{
	struct copier *c = arg;

	for (size_t done = 0; done < c->bytes; done += c->block) {
		size_t n = c->bytes - done < c->block ? c->bytes - done : c->block;

		memcpy(c->dst, c->src, n);
		__asm__ volatile("" : : "r"(c->dst) : "memory");
	}
	return NULL;
}

/* The threads a page scan uses: one per CPU this process may run on, at
 * most one per slot (lib/pages/pagestate.c) */
static unsigned int scan_threads(void)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) ? 1 : CPU_COUNT(&set);

	return n < 1 ? 1 : n > PAGESCAN_SLOTS ? PAGESCAN_SLOTS : (unsigned int)n;
}

/* Copies in blocks of this much in all (larger than any CPU cache, small
 * enough for a guest with 2 GiB): a 64 GiB namespace has 1 GiB of struct
 * pages */
#define MEMCPY_BLOCKS (256UL << 20)

/* Best time of REPEAT memcpy()s of the struct page array's size, shared
 * between THREADS threads as the scan is: every byte read once and
 * written once, as the scan's bulk copies do. */
static double memcpy_time(size_t bytes, int repeat, unsigned int threads)
{
	struct copier c[16];
	size_t share = (bytes + threads - 1) / threads;
	size_t block = share < MEMCPY_BLOCKS / threads ? share : MEMCPY_BLOCKS / threads;
	double best = 1e9;

	for (unsigned int t = 0; t < threads; t++) {
		c[t] = (struct copier){ .bytes = share, .block = block,
					.src = malloc(block), .dst = malloc(block) };
		if (!c[t].src || !c[t].dst) {
			fprintf(stderr, "pagestate-probe: out of memory\n");
			exit(1);
		}
		memset(c[t].src, 1, block);
		memset(c[t].dst, 0, block);	/* fault both in before timing */
	}
	for (int i = 0; i < repeat; i++) {
		double t0 = now();

		for (unsigned int t = 1; t < threads; t++)
			if (pthread_create(&c[t].thread, NULL, copy_share, &c[t])) {
				fprintf(stderr, "pagestate-probe: cannot start a thread\n");
				exit(1);
			}
		copy_share(&c[0]);
		for (unsigned int t = 1; t < threads; t++)
			pthread_join(c[t].thread, NULL);
		if (now() - t0 < best)
			best = now() - t0;
	}
	for (unsigned int t = 0; t < threads; t++) {
		free(c[t].src);
		free(c[t].dst);
	}
	return best;
}

static void print_counts(const struct daxpin_page_counts *c, bool verbose)
{
	printf("pages=%" PRIu64 "\nfolios=%" PRIu64 "\nrefs=%" PRIu64 "\n"
	       "referenced_pages=%" PRIu64 "\npinned_pages=%" PRIu64 "\n",
	       c->pages, c->folios, c->refs, c->referenced_pages, c->pinned_pages);
	if (c->mapped_known)
		printf("mapped_pages=%" PRIu64 "\n", c->mapped_pages);
	else
		printf("mapped_pages=unknown\n");
	printf("busy_folios=%" PRIu64 "\nmax_refcount=%d\ntail_pages=%" PRIu64 "\n",
	       c->busy_folios, c->max_refcount, c->tail_pages);
	for (size_t i = 0; verbose && i < c->nr_busy; i++)
		printf("busy pfn=%#" PRIx64 " pages=%u refcount=%d mapcount=%d pincount=%d refs=%" PRIu64 "%s\n",
		       c->busy[i].pfn, c->busy[i].nr_pages, c->busy[i].refcount,
		       c->busy[i].mapcount, c->busy[i].pincount, c->busy[i].refs,
		       c->busy[i].pinned ? " pinned" : "");
}

int main(int argc, char **argv)
{
	struct daxpin_topology *topo = NULL;
	struct daxpin_pagestate *ps = NULL;
	struct daxpin_page_counts counts;
	struct daxpin_pfn_range raw;
	struct daxpin_ctx *ctx = NULL;
	struct target t = { .kind = DAXPIN_PAGE_DEVDAX };
	const char *pfns = NULL;
	bool verbose = false;
	int opt, rc, status = 1, repeat = 0;
	double t0, t_open, best = 1e9;

	while ((opt = getopt(argc, argv, "vb:k:p:")) != -1) {
		switch (opt) {
		case 'v': verbose = true; break;
		case 'b': repeat = atoi(optarg); break;
		case 'k': t.kind = strcmp(optarg, "fsdax") ? DAXPIN_PAGE_DEVDAX : DAXPIN_PAGE_FSDAX; break;
		case 'p': pfns = optarg; break;
		default: goto usage;
		}
	}
	if ((pfns ? optind != argc : optind != argc - 1) || repeat < 0)
		goto usage;
	if (pfns) {
		if (sscanf(pfns, "%" SCNi64 ":%" SCNi64, &raw.pfn, &raw.count) != 2)
			goto usage;
		t.ranges = &raw;
		t.nr_ranges = 1;
	}

	rc = daxpin_new(&ctx);
	if (rc) {
		fprintf(stderr, "pagestate-probe: %s\n", strerror(-rc));
		return 1;
	}
	if (!pfns) {
		rc = daxpin_topology_scan(ctx, &topo);
		if (!rc)
			rc = find_device(topo, argv[optind], &t);
		if (rc) {
			fprintf(stderr, "pagestate-probe: %s: %s\n", argv[optind], strerror(-rc));
			goto out;
		}
		if (!t.nr_ranges) {
			fprintf(stderr, "pagestate-probe: %s: no PFN ranges (not root?)\n", argv[optind]);
			goto out;
		}
	}

	t0 = now();
	rc = daxpin_pagestate_open(ctx, &ps);
	t_open = now() - t0;
	if (rc) {
		printf("unavailable=%s\n", ps ? daxpin_pagestate_reason(ps) : strerror(-rc));
		status = 77;
		goto out;
	}
	printf("semantics=%s\n", daxpin_page_semantics_name(daxpin_pagestate_semantics(ps)));

	for (int i = 0; i < (repeat ? repeat : 1); i++) {
		t0 = now();
		rc = daxpin_pagestate_scan(ps, t.ranges, t.nr_ranges, t.kind, &counts);
		if (now() - t0 < best)
			best = now() - t0;
		if (rc) {
			fprintf(stderr, "pagestate-probe: scan: %s\n", strerror(-rc));
			goto out;
		}
	}
	print_counts(&counts, verbose);

	if (repeat) {
		size_t bytes = counts.pages * struct_page_size();
		unsigned int threads = scan_threads();
		double mc = memcpy_time(bytes, repeat, threads);

		printf("bench_open_seconds=%.6f\nbench_threads=%u\n", t_open, threads);
		printf("bench_scan_seconds=%.6f\nbench_pages_per_second=%.0f\n",
		       best, counts.pages / best);
		printf("bench_struct_page_bytes=%zu\nbench_memcpy_seconds=%.6f\n"
		       "bench_memcpy_pages_per_second=%.0f\n", bytes, mc, counts.pages / mc);
		printf("bench_ratio=%.2f\n", best / mc);
	}
	status = 0;
out:
	daxpin_pagestate_close(ps);
	daxpin_topology_free(topo);
	daxpin_unref(ctx);
	return status;
usage:
	fprintf(stderr, "usage: pagestate-probe [-v] [-b REPEAT] DEVICE\n"
			"       pagestate-probe [-v] [-b REPEAT] -k fsdax|devdax -p PFN:COUNT\n");
	return 2;
}
