// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devdax_entry_count.h"
#include "core/private.h"

#if HAVE_BPF && __has_include("devdax_entries.skel.h")
#include <bpf/bpf.h>
#include "core/bpf.h"
#include "devdax_entries.skel.h"

struct devdax_entry_count {
	struct devdax_entries *skel;
	struct bpf_loaded loaded;
	int links[BPF_LOADED_PROGS_MAX];	/* one per program, while attached */
};

int devdax_entry_count_open(struct daxpin_ctx *ctx, struct devdax_entry_count **out)
{
	struct devdax_entry_count *e = calloc(1, sizeof(*e));
	char pin[64];
	int rc;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(e->links); i++)
		e->links[i] = -1;
	/* the programs attach to the module's functions: pinned, good for that load of it */
	rc = BPF_SKELETON_GET(ctx, devdax_entries, &e->skel,
			      bpf_module_instance("device_dax", pin, sizeof(pin)), 0, &e->loaded);
	for (int i = 0; rc == 0 && i < e->loaded.skeleton->prog_cnt; i++) {
		e->links[i] = bpf_link_create(e->loaded.prog_fds[i], 0, BPF_TRACE_FENTRY, NULL);
		if (e->links[i] < 0)
			rc = -errno;
	}
	if (rc) {
		dbg(ctx, "device-dax entries not counted: %s\n", strerror(-rc));
		devdax_entry_count_close(e);
		return rc;
	}
	*out = e;
	return 0;
}

uint64_t devdax_entry_count_read(const struct devdax_entry_count *e)
{
	return __atomic_load_n(&e->skel->bss->entries, __ATOMIC_SEQ_CST);
}

void devdax_entry_count_close(struct devdax_entry_count *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(e->links); i++)
		if (e->links[i] >= 0)
			close(e->links[i]);
	BPF_SKELETON_PUT(devdax_entries, e->skel, &e->loaded);
	free(e);
}

#else

int devdax_entry_count_open(struct daxpin_ctx *ctx, struct devdax_entry_count **out)
{
	(void)ctx;
	*out = NULL;
	return -EOPNOTSUPP;
}

uint64_t devdax_entry_count_read(const struct devdax_entry_count *e)
{
	(void)e;
	return 0;
}

void devdax_entry_count_close(struct devdax_entry_count *e)
{
	(void)e;
}

#endif
