/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A long-term DMA pin as RDMA takes it: each buffer registered as a memory
 * region of its own (ibv_reg_mr: FOLL_LONGTERM) on the first RDMA device
 * (rdma_rxe will do); they stay pinned until the process exits. For the VM
 * helpers hold-refs and hold-ram. Exits 1 with a message naming who on
 * failure.
 */
#ifndef DAXPIN_TEST_RDMA_PIN_H
#define DAXPIN_TEST_RDMA_PIN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <infiniband/verbs.h>

static inline void rdma_pin(const struct iovec *iov, size_t nr, const char *who)
{
	struct ibv_device **devs = ibv_get_device_list(NULL);
	struct ibv_context *ctx;
	struct ibv_pd *pd;

	if (!devs || !devs[0]) {
		fprintf(stderr, "%s: no RDMA device (rdma link add rxe0 type rxe netdev DEV)\n", who);
		exit(1);
	}
	ctx = ibv_open_device(devs[0]);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	for (size_t i = 0; pd && i < nr; i++)
		if (!ibv_reg_mr(pd, iov[i].iov_base, iov[i].iov_len,
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE)) {
			fprintf(stderr, "%s: ibv_reg_mr: %s\n", who, strerror(errno));
			exit(1);
		}
	if (!pd) {
		fprintf(stderr, "%s: %s: %s\n", who, ibv_get_device_name(devs[0]), strerror(errno));
		exit(1);
	}
}

#endif
