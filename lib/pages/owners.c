// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reference owners: runs bpf/owners.bpf.c, a BPF iterator over every open
 * file, once for all targets, and turns the runs of pages it passes on into
 * owners per target and process; page state (lib/pages/pagestate.c) gives the
 * references that no owner explains. daxpin_holders_add_owners() merges
 * the owners into a holders result, so that a process holding nothing but
 * a pipe full of a device's pages is that device's holder.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <daxpin/targets.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "pages_internal.h"

/* The skeleton exists only when clang and bpftool were found (bpf/meson.build). */
#if HAVE_BPF && __has_include("daxpin.skel.h")
#define OWNERS_BPF 1
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/bpf.h"
#include "core/daxpin_skel.h"
#else
#define OWNERS_BPF 0
#endif


DAXPIN_EXPORT const char *daxpin_ref_kind_name(enum daxpin_ref_kind kind)
{
	switch (kind) {
	case DAXPIN_REF_PIPE:
		return "pipe";
	case DAXPIN_REF_IO_URING:
		return "io_uring";
	case DAXPIN_REF_RDMA_HINT:
		return "rdma-hint";
	case DAXPIN_REF_VFIO_HINT:
		return "vfio-hint";
	case DAXPIN_REF_RESIDENT:
		return "resident";
	}
	return NULL;
}

static int ranges_append(struct daxpin_owners_target *t,
			 const struct daxpin_pfn_range *r, size_t nr)
{
	struct daxpin_pfn_range *grown;

	if (!nr)
		return 0;
	grown = realloc(t->ranges, (t->nr_ranges + nr) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memcpy(grown + t->nr_ranges, r, nr * sizeof(*r));
	t->ranges = grown;
	t->nr_ranges += nr;
	return 0;
}

static bool key_is(const struct daxpin_key *k, enum daxpin_key_kind kind,
		   unsigned int major, unsigned int minor)
{
	return k->kind == kind && k->dev == makedev(major, minor);
}

static int daxdev_ranges(const struct daxpin_daxdev *d, const struct daxpin_key *k,
			 struct daxpin_owners_target *out)
{
	if ((!d->major && !d->minor) || !key_is(k, DAXPIN_KEY_CHARDEV, d->major, d->minor))
		return 0;
	if (d->driver == DAXPIN_DRIVER_KMEM && d->ranges_known) {
		out->kind = DAXPIN_PAGE_SYSRAM;
		out->large_folios = true;	/* transparent huge pages */
		return ranges_append(out, d->ranges, d->nr_ranges);
	}
	if (daxpin_daxdev_pages_unreadable(d))
		return 0;
	out->kind = DAXPIN_PAGE_DEVDAX;
	out->large_folios = d->align > (unsigned long)sysconf(_SC_PAGESIZE);
	return ranges_append(out, d->ranges, d->nr_ranges);
}

/* An fsdax namespace by its block device or one of its filesystems. */
static int fsdax_ranges(const struct daxpin_namespace *ns, const struct daxpin_key *k,
			struct daxpin_owners_target *out)
{
	if (!ns->blockdev || ns->mode != DAXPIN_NS_MODE_FSDAX ||
	    daxpin_namespace_pages_unreadable(ns) ||
	    !(key_is(k, DAXPIN_KEY_BLOCKDEV, ns->blk_major, ns->blk_minor) ||
	      key_is(k, DAXPIN_KEY_FILESYSTEM, ns->blk_major, ns->blk_minor)))
		return 0;
	out->kind = DAXPIN_PAGE_FSDAX;
	return ranges_append(out, ns->ranges, ns->nr_ranges);
}

/*
 * A namespace's target holds a key for its block device and one for its
 * filesystem, with the same device number: each namespace and device is
 * taken once, at its first matching key.
 */
DAXPIN_EXPORT int daxpin_owners_target_from(const struct daxpin_topology *topo,
					    const struct daxpin_target *t,
					    struct daxpin_owners_target *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t r = 0; r < topo->nr_regions && !rc; r++)
		for (size_t n = 0; n < topo->regions[r].nr_namespaces && !rc; n++) {
			const struct daxpin_namespace *ns = &topo->regions[r].namespaces[n];

			for (size_t i = 0; i < t->nr_keys && !rc; i++) {
				size_t before = out->nr_ranges;

				rc = fsdax_ranges(ns, &t->keys[i], out);
				if (out->nr_ranges > before)
					break;
			}
			for (size_t d = 0; d < ns->nr_daxdevs && !rc; d++)
				for (size_t i = 0; i < t->nr_keys && !rc; i++)
					rc = daxdev_ranges(&ns->daxdevs[d], &t->keys[i], out);
		}
	for (size_t r = 0; r < topo->nr_dax_regions && !rc; r++)
		for (size_t d = 0; d < topo->dax_regions[r].nr_daxdevs && !rc; d++)
			for (size_t i = 0; i < t->nr_keys && !rc; i++)
				rc = daxdev_ranges(&topo->dax_regions[r].daxdevs[d], &t->keys[i], out);
	if (rc)
		daxpin_owners_target_clear(out);
	return rc;
}

DAXPIN_EXPORT void daxpin_owners_target_clear(struct daxpin_owners_target *t)
{
	free(t->ranges);
	memset(t, 0, sizeof(*t));
}

static void owner_release(struct daxpin_owner *o)
{
	for (size_t i = 0; i < o->nr_refs; i++)
		free(o->refs[i].runs);
	free(o->refs);
}

DAXPIN_EXPORT void daxpin_owners_free(struct daxpin_owners *o)
{
	if (!o)
		return;
	for (size_t t = 0; t < o->nr_targets; t++) {
		for (size_t i = 0; i < o->targets[t].nr_owners; i++)
			owner_release(&o->targets[t].owners[i]);
		free(o->targets[t].owners);
	}
	free(o->targets);
	free(o->reason);
	free(o->refs_reason);
	free(o);
}

static int set_reason(char **reason, const char *what, int error)
{
	if (asprintf(reason, "%s", what) < 0)
		return -ENOMEM;
	return error == -ENOMEM ? error : 0;
}

/* Owners not searched: why, in words and as an errno. */
static int unavailable(struct daxpin_owners *o, const char *what, int error)
{
	o->error = error;
	return set_reason(&o->reason, what, error);
}

/*
 * The loaded iterator, kept for many scans (a drain rechecks every few
 * milliseconds; loading costs seconds under emulation), or why it could
 * not be loaded.
 */
struct owners_scanner {
	struct daxpin_ctx *ctx;
#if OWNERS_BPF
	struct daxpin *skel;
	struct bpf_loaded loaded;
#endif
	char *reason;
	int error;
};

/* The iterator could not be loaded: why, for every scan. */
static int unavailable_scanner(struct owners_scanner *sc, const char *what, int error)
{
	sc->error = error;
	return set_reason(&sc->reason, what, error);
}

/*
 * References from page state, and what the owners leave unexplained; ps is
 * the caller's page-state handle.
 */
static int count_refs(struct daxpin_pagestate *ps, struct daxpin_owners *o,
		      const struct daxpin_owners_target *targets)
{
	int rc = 0;

	if (daxpin_pagestate_reason(ps))
		return set_reason(&o->refs_reason, daxpin_pagestate_reason(ps), 0);
	for (size_t t = 0; t < o->nr_targets && !rc; t++) {
		struct daxpin_target_owners *to = &o->targets[t];
		struct daxpin_page_counts counts;

		/* system RAM has no baseline to count against: daxpin memory classifies it */
		if (!targets[t].nr_ranges || targets[t].kind == DAXPIN_PAGE_SYSRAM)
			continue;
		rc = daxpin_pagestate_scan(ps, targets[t].ranges, targets[t].nr_ranges,
					   targets[t].kind, &counts);
		/* its struct pages went with a device disabled since the
		 * topology was read: its references stay unknown */
		if (rc == -EFAULT) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		to->refs_known = true;
		to->refs = counts.refs;
		to->unattributed = counts.refs > to->attributed ? counts.refs - to->attributed : 0;
	}
	return rc;
}

#if OWNERS_BPF

/* Everything the iterator yields, in one growing buffer. */
/* By process, then fd, then page frame: the order of the report. */
static int rec_cmp(const void *a, const void *b)
{
	const struct owners_rec *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	if (x->start_boottime != y->start_boottime)
		return (x->start_boottime > y->start_boottime) -
		       (x->start_boottime < y->start_boottime);
	if (x->fd != y->fd)
		return (x->fd > y->fd) - (x->fd < y->fd);
	return (x->pfn > y->pfn) - (x->pfn < y->pfn);
}

/* The pages of a run inside a target's ranges, as one range (runs never
 * span two ranges: the program starts a new run at a range's edge). */
static struct daxpin_pfn_range run_in(const struct owners_rec *r,
				      const struct daxpin_owners_target *t)
{
	for (size_t i = 0; i < t->nr_ranges; i++) {
		uint64_t lo = t->ranges[i].pfn, hi = lo + t->ranges[i].count;
		uint64_t s = r->pfn > lo ? r->pfn : lo;
		uint64_t e = r->pfn + r->nr_pages < hi ? r->pfn + r->nr_pages : hi;

		if (s < e)
			return (struct daxpin_pfn_range){ .pfn = s, .count = e - s };
	}
	return (struct daxpin_pfn_range){ 0 };
}

static const enum daxpin_ref_kind rec_ref_kind[] = {
	[OWNERS_REC_PIPE] = DAXPIN_REF_PIPE,
	[OWNERS_REC_IO_URING] = DAXPIN_REF_IO_URING,
	[OWNERS_REC_UVERBS] = DAXPIN_REF_RDMA_HINT,
	[OWNERS_REC_VFIO] = DAXPIN_REF_VFIO_HINT,
};

/* A file the program passes on without pages: a hint, not an owner. */
static bool rec_is_hint(const struct owners_rec *r)
{
	return r->kind == OWNERS_REC_UVERBS || r->kind == OWNERS_REC_VFIO;
}

/* The owner entry of r's process in to, appended if new (records come by process). */
static struct daxpin_owner *owner_of(struct daxpin_target_owners *to, size_t *cap,
				     const struct owners_rec *r, long page)
{
	struct daxpin_owner *o = to->nr_owners ? &to->owners[to->nr_owners - 1] : NULL;

	if (o && o->pid == (pid_t)r->tgid && o->start_time_ns == r->start_boottime)
		return o;
	if (array_grow((void **)&to->owners, cap, to->nr_owners + 1, sizeof(*to->owners)))
		return NULL;
	o = &to->owners[to->nr_owners++];
	*o = (struct daxpin_owner){ .pid = (pid_t)r->tgid, .start_time_ns = r->start_boottime,
				    .uid = r->euid,
				    .vm_pinned_bytes = r->pinned_pages * (uint64_t)page };
	snprintf(o->comm, sizeof(o->comm), "%.15s", r->comm);
	return o;
}

/* The reference entry of r's fd in o, appended if new (records come by fd). */
static struct daxpin_reference *reference_of(struct daxpin_owner *o, const struct owners_rec *r)
{
	struct daxpin_reference *ref = o->nr_refs ? &o->refs[o->nr_refs - 1] : NULL;

	if (ref && ref->fd == (int)r->fd)
		return ref;
	ref = array_push(&o->refs, &o->nr_refs, sizeof(*ref));
	if (!ref)
		return NULL;
	*ref = (struct daxpin_reference){ .kind = rec_ref_kind[r->kind], .fd = (int)r->fd,
					  .inode = r->ino, .end = r->f_mode & 3 };
	return ref;
}

static int run_add(struct daxpin_reference *ref, struct daxpin_pfn_range run)
{
	struct daxpin_pfn_range *r = array_push(&ref->runs, &ref->nr_runs, sizeof(*r));

	if (!r)
		return -ENOMEM;
	*r = run;
	ref->pages += run.count;
	return 0;
}

/*
 * A pipe or ring is counted once in attributed, however many processes and
 * fds hold it: through the first fd seen holding it, which claims it.
 */
struct claim {
	uint64_t object;
	uint32_t tgid, fd;
	uint64_t start_boottime;
};

/* Whether r's pages count in attributed; claims the object if unclaimed. */
static int attribute(struct claim **claims, size_t *nr, size_t *cap,
		     const struct owners_rec *r, bool *counts)
{
	for (size_t i = 0; i < *nr; i++)
		if ((*claims)[i].object == r->object) {
			*counts = (*claims)[i].tgid == r->tgid && (*claims)[i].fd == r->fd &&
				  (*claims)[i].start_boottime == r->start_boottime;
			return 0;
		}
	if (array_grow((void **)claims, cap, *nr + 1, sizeof(**claims)))
		return -ENOMEM;
	(*claims)[(*nr)++] = (struct claim){ .object = r->object, .tgid = r->tgid, .fd = r->fd,
					     .start_boottime = r->start_boottime };
	*counts = true;
	return 0;
}

/* GUP_PIN_COUNTING_BIAS: a FOLL_PIN pin of a small folio in its refcount */
#define PIN_BIAS 1024

/*
 * The references one page of a run stands for in page state's count: a
 * pipe buffer is one; an io_uring fixed buffer pins its pages (one page per
 * folio, as registration coalesces large folios since 6.x, or as here one
 * page per registered buffer).
 */
static uint64_t refs_per_page(const struct owners_rec *r, const struct daxpin_owners_target *t)
{
	if (r->kind != OWNERS_REC_IO_URING || t->large_folios)
		return 1;
	return PIN_BIAS;
}

/* Owners per target from the sorted records; hints wait for page state. */
static int build(struct daxpin_owners *o, const struct daxpin_owners_target *targets,
		 const struct owners_rec *recs, size_t nr)
{
	long page = sysconf(_SC_PAGESIZE);
	struct claim *claims = NULL;
	size_t claims_cap = 0;
	int rc = 0;

	for (size_t t = 0; t < o->nr_targets && !rc; t++) {
		struct daxpin_target_owners *to = &o->targets[t];
		size_t cap = 0, nr_claims = 0;

		for (size_t i = 0; i < nr && !rc; i++) {
			const struct owners_rec *r = &recs[i];
			struct daxpin_pfn_range run = run_in(r, &targets[t]);
			struct daxpin_reference *ref;
			struct daxpin_owner *ow;
			bool counts = false;

			if (rec_is_hint(r) || r->kind >= ARRAY_SIZE(rec_ref_kind))
				continue;
			to->truncated |= r->truncated != 0;
			if (!run.count)
				continue;
			ow = owner_of(to, &cap, r, page);
			ref = ow ? reference_of(ow, r) : NULL;
			rc = ref ? run_add(ref, run) : -ENOMEM;
			if (!rc)
				rc = attribute(&claims, &nr_claims, &claims_cap, r, &counts);
			if (counts)
				to->attributed += run.count * refs_per_page(r, &targets[t]);
		}
	}
	free(claims);
	return rc;
}

/* Hints (a verbs file and pinned memory, a VFIO file), for targets with
 * references no exact owner explains (or unknown references). */
static int add_hints(struct daxpin_owners *o, const struct daxpin_owners_target *targets,
		     const struct owners_rec *recs, size_t nr)
{
	long page = sysconf(_SC_PAGESIZE);

	for (size_t t = 0; t < o->nr_targets; t++) {
		struct daxpin_target_owners *to = &o->targets[t];
		size_t cap = to->nr_owners;

		if (!targets[t].nr_ranges || (to->refs_known && !to->unattributed))
			continue;
		for (size_t i = 0; i < nr; i++) {
			const struct owners_rec *r = &recs[i];
			struct daxpin_owner *ow = NULL;

			if (!rec_is_hint(r))
				continue;
			for (size_t j = 0; j < to->nr_owners && !ow; j++)
				if (to->owners[j].pid == (pid_t)r->tgid &&
				    to->owners[j].start_time_ns == r->start_boottime)
					ow = &to->owners[j];
			if (!ow) {
				/* owner_of() appends after the last: keep by-pid order later */
				ow = owner_of(to, &cap, r, page);
				if (!ow)
					return -ENOMEM;
			}
			if (!reference_of(ow, r))
				return -ENOMEM;
		}
	}
	return 0;
}

static int owner_cmp(const void *a, const void *b)
{
	const struct daxpin_owner *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The addresses the iterator compares with, found by its setup program
 * (bpf/pages/owners.bpf.c): callers of pinned programs find them in the
 * .bss. The fops of ib_uverbs and vfio are in those modules: found again
 * when either was loaded anew since, rather than pinning the programs per
 * load of the modules, which the holders' and page state's programs that
 * share the .bss do not depend on.
 */
static int scanner_setup(struct owners_scanner *sc)
{
	struct owners_ksyms *k = &sc->skel->bss->ksyms;
	char uverbs[40], vfio[40], modules[sizeof(k->modules)], what[128];
	int rc = 0;

	snprintf(modules, sizeof(modules), "%s %s",
		 bpf_module_instance("ib_uverbs", uverbs, sizeof(uverbs)),
		 bpf_module_instance("vfio", vfio, sizeof(vfio)));
	bpf_loaded_lock(&sc->loaded);
	if (!k->done || strcmp(k->modules, modules)) {
		if (bpf_prog_test_run_opts(bpf_loaded_prog_fd(&sc->loaded,
							      sc->skel->progs.owners_setup), NULL))
			rc = -errno;
		else
			memcpy(k->modules, modules, sizeof(modules));
	}
	bpf_loaded_unlock(&sc->loaded);
	/* a typeless symbol: listed only with CONFIG_KALLSYMS_ALL */
	if (!rc && k->error == -ENOENT)
		return unavailable_scanner(sc, "kernel does not list vmemmap_base in /proc/kallsyms (CONFIG_KALLSYMS_ALL)", -ESRCH);
	if (!rc && !k->error)
		return 0;
	snprintf(what, sizeof(what), rc ? "running the BPF setup program failed: %s" :
		 "cannot find vmemmap_base: %s", strerror(-(rc ? rc : k->error)));
	return unavailable_scanner(sc, what, rc ? rc : k->error);
}

static int scanner_load(struct owners_scanner *sc)
{
	int rc = BPF_SKELETON_GET(sc->ctx, daxpin, &sc->skel, "", DAXPIN_SCAN_OWNERS, &sc->loaded);

	if (rc == -EPERM)
		return unavailable_scanner(sc, "needs CAP_BPF and CAP_PERFMON (run as root)", rc);
	if (rc) {
		char what[128];

		snprintf(what, sizeof(what), "loading the BPF iterator failed: %s", strerror(-rc));
		return unavailable_scanner(sc, what, rc);
	}
	return scanner_setup(sc);
}

static int scan_bpf(struct owners_scanner *sc, struct daxpin_pagestate *ps,
		    struct daxpin_owners *o, const struct daxpin_owners_target *targets)
{
	struct owners_filter filter;
	char *buf = NULL;
	size_t len = 0, cap = 0, nr;
	int rc;

	rc = owners_filter_fill(targets, o->nr_targets, &filter);
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return unavailable(o, "more page ranges than one scan can look for", rc);
	bpf_loaded_lock(&sc->loaded);
	sc->skel->bss->owners_filter = filter;
	rc = bpf_iter_read_all(bpf_loaded_prog_fd(&sc->loaded, sc->skel->progs.owners_fds),
			       &buf, &len, &cap);
	bpf_loaded_unlock(&sc->loaded);
	if (rc) {
		err(sc->ctx, "reading the reference-owners iterator failed: %s\n", strerror(-rc));
		free(buf);
		return rc;
	}
	nr = len / sizeof(struct owners_rec);
	dbg(sc->ctx, "reference owners: %zu runs\n", nr);
	if (nr)
		qsort(buf, nr, sizeof(struct owners_rec), rec_cmp);
	rc = build(o, targets, (const struct owners_rec *)buf, nr);
	if (!rc)
		rc = count_refs(ps, o, targets);
	if (!rc)
		rc = add_hints(o, targets, (const struct owners_rec *)buf, nr);
	for (size_t t = 0; t < o->nr_targets && !rc; t++)
		if (o->targets[t].nr_owners > 1)
			qsort(o->targets[t].owners, o->targets[t].nr_owners,
			      sizeof(*o->targets[t].owners), owner_cmp);
	free(buf);
	return rc;
}

#endif /* OWNERS_BPF */

/* BPF iterators report pids of the initial pid namespace. */
static bool in_initial_pid_ns(void)
{
	struct stat st;

	/* PROC_PID_INIT_INO */
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCU;
}

int owners_scanner_open(struct daxpin_ctx *ctx, struct owners_scanner **out)
{
	struct owners_scanner *sc = calloc(1, sizeof(*sc));
	int rc;

	*out = sc;
	if (!sc)
		return -ENOMEM;
	sc->ctx = ctx;
#if OWNERS_BPF
	if (!in_initial_pid_ns())
		rc = unavailable_scanner(sc, "running in a pid namespace: owners need the initial one", -ENOTSUP);
	else
		rc = scanner_load(sc);
#else
	rc = unavailable_scanner(sc, "built without BPF support", -ENOTSUP);
#endif
	if (sc->reason)
		info(ctx, "reference owners unavailable: %s\n", sc->reason);
	return rc;
}

void owners_scanner_close(struct owners_scanner *sc)
{
	if (!sc)
		return;
#if OWNERS_BPF
	BPF_SKELETON_PUT(daxpin, sc->skel, &sc->loaded);
#endif
	free(sc->reason);
	free(sc);
}

/* The processes whose memory is in a system-RAM target, beside its reference owners. */
static int sysram_residents(struct daxpin_owners *o, const struct daxpin_owners_target *t,
			    struct daxpin_target_owners *to)
{
	bool skipped;
	int rc = residents_scan(t, to, &skipped);

	if (!rc && skipped && !o->refs_reason)
		rc = set_reason(&o->refs_reason, "mappings over 64 GiB (reservations) not searched for resident pages", 0);
	return rc;
}

int owners_scanner_run(struct owners_scanner *sc, struct daxpin_pagestate *ps,
		       const struct daxpin_owners_target *targets, size_t nr_targets,
		       struct daxpin_owners **out)
{
	struct daxpin_owners *o = calloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	if (!o || !(o->targets = calloc(nr_targets ? nr_targets : 1, sizeof(*o->targets)))) {
		free(o);
		return -ENOMEM;
	}
	o->nr_targets = nr_targets;
#if OWNERS_BPF
	rc = sc->reason ? unavailable(o, sc->reason, sc->error) : scan_bpf(sc, ps, o, targets);
	for (size_t t = 0; !rc && !sc->reason && t < nr_targets; t++)
		if (targets[t].kind == DAXPIN_PAGE_SYSRAM && targets[t].nr_ranges)
			rc = sysram_residents(o, &targets[t], &o->targets[t]);
#else
	(void)ps;
	(void)targets;
	rc = unavailable(o, sc->reason, sc->error);
#endif
	if (rc) {
		daxpin_owners_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

DAXPIN_EXPORT int daxpin_owners_scan(struct daxpin_ctx *ctx,
				     const struct daxpin_owners_target *targets,
				     size_t nr_targets, struct daxpin_owners **out)
{
	struct owners_scanner *sc = NULL;
	struct daxpin_pagestate *ps = NULL;
	int rc = owners_scanner_open(ctx, &sc);

	*out = NULL;
	if (rc == -ENOMEM)
		goto out;
	/* page state only for what the owners leave unexplained */
	if (!sc->reason) {
		rc = daxpin_pagestate_open(ctx, &ps);
		if (!ps) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = owners_scanner_run(sc, ps, targets, nr_targets, out);
out:
	daxpin_pagestate_close(ps);
	owners_scanner_close(sc);
	return rc;
}
