/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef DAXPIN_BPF_SEARCH_H
#define DAXPIN_BPF_SEARCH_H

#include <bpf/bpf_helpers.h>

/*
 * A binary search of 64 sorted entries in six fixed steps without a branch:
 * the verifier follows it as one straight path, where it follows a loop
 * once per entry and a branch in each step once per path. before(k) is a
 * 64-bit signed difference, negative exactly when entry k comes before the
 * key; SEARCH64() leaves in i the number of entries before the key, at most
 * 63 (the caller checks the entry at i). The steps add, never OR: 6.1's
 * verifier keeps no bounds through an OR of two registers; the barriers
 * keep clang from making a branch of the comparison or an OR of the sum.
 */
#define SEARCH64_STEP(i, before, sh) ({						\
	__s64 d_ = before((i) + (1U << (sh)) - 1);				\
	__u64 step_;								\
										\
	barrier_var(d_);							\
	step_ = ((__u64)d_ >> 63) << (sh);					\
	barrier_var(step_);							\
	(i) += step_;								\
})

#define SEARCH64(i, before) do {						\
	SEARCH64_STEP(i, before, 5);						\
	SEARCH64_STEP(i, before, 4);						\
	SEARCH64_STEP(i, before, 3);						\
	SEARCH64_STEP(i, before, 2);						\
	SEARCH64_STEP(i, before, 1);						\
	SEARCH64_STEP(i, before, 0);						\
} while (0)

#endif
