// SPDX-License-Identifier: GPL-2.0-or-later
/* The page frames the reference-owners iterator looks for: sorted, disjoint, cut at every edge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <daxpin/owners.h>

#include "pages/pages_internal.h"
#include "bpf/pages/owners_abi.h"

#define TARGET(...) { .ranges = (struct daxpin_pfn_range[]){ __VA_ARGS__ }, \
	.nr_ranges = sizeof((struct daxpin_pfn_range[]){ __VA_ARGS__ }) / sizeof(struct daxpin_pfn_range) }

static void expect(const struct owners_filter *f, const uint64_t (*want)[2], uint32_t nr)
{
	assert_int_equal(f->nr_ranges, nr);
	for (uint32_t i = 0; i < nr; i++) {
		assert_int_equal(f->start[i], want[i][0]);
		assert_int_equal(f->end[i], want[i][1]);
	}
	/* the program's search needs every unused entry above every frame */
	for (uint32_t i = nr; i < OWNERS_RANGES_MAX; i++) {
		assert_int_equal(f->start[i], OWNERS_PFN_PAD);
		assert_int_equal(f->end[i], OWNERS_PFN_PAD);
	}
}

/* a namespace and its dax device name the same frames: one range */
static void same_ranges_once(void **state)
{
	struct daxpin_owners_target t[] = {
		TARGET({ .pfn = 0x100000, .count = 512 }),
		TARGET({ .pfn = 0x100000, .count = 512 }),
	};
	static const uint64_t want[][2] = { { 0x100000, 0x100200 } };
	struct owners_filter f;

	assert_int_equal(owners_filter_fill(t, 2, &f), 0);
	expect(&f, want, 1);
	(void)state;
}

/* overlapping ranges are cut at every edge; gaps and empty ranges left out; sorted */
static void cut_at_every_edge(void **state)
{
	struct daxpin_owners_target t[] = {
		TARGET({ .pfn = 500, .count = 10 }, { .pfn = 100, .count = 100 }),
		TARGET({ .pfn = 150, .count = 10 }, { .pfn = 300, .count = 0 }),
	};
	static const uint64_t want[][2] = { { 100, 150 }, { 150, 160 }, { 160, 200 }, { 500, 510 } };
	struct owners_filter f;

	assert_int_equal(owners_filter_fill(t, 2, &f), 0);
	expect(&f, want, 4);
	(void)state;
}

static void nothing(void **state)
{
	struct owners_filter f;

	assert_int_equal(owners_filter_fill(NULL, 0, &f), 0);
	expect(&f, NULL, 0);
	(void)state;
}

/* more ranges than the program takes: refused, not cut short */
static void too_many(void **state)
{
	struct daxpin_pfn_range r[OWNERS_RANGES_MAX + 1];
	struct daxpin_owners_target t = { .ranges = r, .nr_ranges = OWNERS_RANGES_MAX + 1 };
	struct owners_filter f;

	for (size_t i = 0; i <= OWNERS_RANGES_MAX; i++)
		r[i] = (struct daxpin_pfn_range){ .pfn = 1000 * i, .count = 10 };
	assert_int_equal(owners_filter_fill(&t, 1, &f), -E2BIG);
	t.nr_ranges = OWNERS_RANGES_MAX;
	assert_int_equal(owners_filter_fill(&t, 1, &f), 0);
	assert_int_equal(f.nr_ranges, OWNERS_RANGES_MAX);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_ranges_once),
		cmocka_unit_test(cut_at_every_edge),
		cmocka_unit_test(nothing),
		cmocka_unit_test(too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
