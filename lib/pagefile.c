// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The file a filesystem-DAX page belongs to, read from the live kernel
 * (bpf/pagefile.bpf.c): page->mapping->host names the inode and
 * page->index the offset, for as long as the file has the page in its
 * mapping.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <daxpin/layouts.h>

#include "private.h"

/* The skeleton exists only when clang and bpftool were found (bpf/meson.build). */
#if HAVE_BPF && __has_include("pagefile.skel.h")
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "../bpf/pagefile_abi.h"
#include "pagefile.skel.h"

static int lookup_chunk(struct daxpin_ctx *ctx, struct pagefile *skel,
			struct daxpin_page_file *pages, size_t nr)
{
	struct pagefile_lookup *l = &skel->bss->lookup;
	int rc;

	memset(l, 0, sizeof(*l));
	l->nr = nr;
	for (size_t i = 0; i < nr; i++)
		l->pfn[i] = pages[i].pfn;
	rc = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pagefile), NULL);
	if (rc)
		return -errno;
	if (l->error) {
		err(ctx, "reading struct pages failed: %s\n", strerror(-l->error));
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

DAXPIN_EXPORT int daxpin_page_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				    struct daxpin_page_file *pages, size_t nr)
{
	struct pagefile *skel;
	int rc = 0;

	if (daxpin_pagestate_reason(ps))
		return -EPERM;
	skel = pagefile__open_and_load();
	if (!skel) {
		rc = -errno;
		err(ctx, "loading the page-file program failed: %s\n", strerror(-rc));
		return rc;
	}
	for (size_t done = 0; done < nr && !rc; done += PAGEFILE_MAX)
		rc = lookup_chunk(ctx, skel, pages + done,
				  nr - done < PAGEFILE_MAX ? nr - done : PAGEFILE_MAX);
	pagefile__destroy(skel);
	return rc;
}

#else

DAXPIN_EXPORT int daxpin_page_files(struct daxpin_ctx *ctx, struct daxpin_pagestate *ps,
				    struct daxpin_page_file *pages, size_t nr)
{
	return -ENOTSUP;
}

#endif
