// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fence_lsm.h"
#include "core/private.h"

#if HAVE_BPF && __has_include("devdax_fence.skel.h")
#include <bpf/bpf.h>
#include "core/bpf.h"
#include "devdax_fence.skel.h"

struct fence_lsm {
	struct devdax_fence *skel;
	int link;		/* while raised, else -1 */
};

/* the kernel's encoding of a dev_t (MKDEV), which an inode's i_rdev holds */
static __u32 kernel_dev(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

static int attach(struct fence_lsm *f)
{
	f->link = bpf_link_create(bpf_program__fd(f->skel->progs.devdax_fence_open), 0,
				  BPF_LSM_MAC, NULL);
	return f->link < 0 ? -errno : 0;
}

/*
 * The program attaches where the BPF LSM is off too, and is then never
 * called: only a refused open proves the fence.
 */
static int probe(struct fence_lsm *f, char *why, size_t size)
{
	struct stat st;
	int rc, fd;

	if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode)) {
		snprintf(why, size, "no /dev/null to try the LSM fence on");
		return -EOPNOTSUPP;
	}
	f->skel->bss->probe_rdev = kernel_dev(st.st_rdev);
	f->skel->bss->probe_tgid = (__u32)getpid();
	rc = attach(f);
	if (rc < 0) {
		snprintf(why, size, "cannot attach the BPF LSM program: %s", strerror(-rc));
		return rc;
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	rc = fd < 0 && errno == EBUSY ? 0 : -EOPNOTSUPP;
	if (fd >= 0)
		close(fd);
	if (rc)
		snprintf(why, size, "the BPF LSM is not active ('bpf' is not in the kernel's lsm= list)");
	fence_lsm_lift(f);
	f->skel->bss->probe_tgid = 0;
	return rc;
}

int fence_lsm_open(struct daxpin_ctx *ctx, struct fence_lsm **out, char *why, size_t size)
{
	struct fence_lsm *f = calloc(1, sizeof(*f));
	struct bpf_log_scope scope;
	int rc = 0;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->link = -1;
	if (!bpf_capable()) {
		snprintf(why, size, "no CAP_BPF and CAP_PERFMON for the BPF LSM fence");
		free(f);
		return -EPERM;
	}
	/* not pinned: the program and its list of devices are this drain's alone */
	bpf_log_enter(ctx, &scope);
	f->skel = devdax_fence__open_and_load();
	if (!f->skel)
		rc = -errno;
	bpf_log_leave(&scope);
	if (rc)
		snprintf(why, size, "cannot load the BPF LSM program: %s", strerror(-rc));
	else
		rc = probe(f, why, size);
	if (rc) {
		fence_lsm_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

int fence_lsm_raise(struct fence_lsm *f, const dev_t *devs, size_t n)
{
	if (n > ARRAY_SIZE(f->skel->bss->fenced))
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		f->skel->bss->fenced[i] = kernel_dev(devs[i]);
	__atomic_store_n(&f->skel->bss->nr_fenced, (__u32)n, __ATOMIC_SEQ_CST);
	return attach(f);
}

void fence_lsm_lift(struct fence_lsm *f)
{
	if (f && f->link >= 0)
		close(f->link);
	if (f)
		f->link = -1;
}

void fence_lsm_close(struct fence_lsm *f)
{
	if (!f)
		return;
	fence_lsm_lift(f);
	devdax_fence__destroy(f->skel);
	free(f);
}

#else

int fence_lsm_open(struct daxpin_ctx *ctx, struct fence_lsm **out, char *why, size_t size)
{
	(void)ctx;
	*out = NULL;
	snprintf(why, size, "built without BPF support");
	return -EOPNOTSUPP;
}

int fence_lsm_raise(struct fence_lsm *f, const dev_t *devs, size_t n)
{
	(void)f;
	(void)devs;
	(void)n;
	return -EOPNOTSUPP;
}

void fence_lsm_lift(struct fence_lsm *f)
{
	(void)f;
}

void fence_lsm_close(struct fence_lsm *f)
{
	(void)f;
}

#endif
