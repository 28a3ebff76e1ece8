/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_PAGECLASS_H
#define DAXPIN_PAGECLASS_H

/*
 * Classification of the folio runs the page-state BPF program reports
 * (bpf/pagescan_abi.h) into struct daxpin_page_counts. Pure arithmetic, no
 * kernel access: lib/pages/pagestate.c feeds it live runs, the unit tests feed it
 * synthetic ones, and both go through the same function.
 */

#include <linux/types.h>
#include <daxpin/pagestate.h>
#include "bpf/pages/pagescan_abi.h"

/* GUP_PIN_COUNTING_BIAS: what one FOLL_PIN adds to a small folio's refcount */
#define PAGECLASS_PIN_BIAS 1024

/* Zeroes counts for a new scan under the given semantics. */
void daxpin_pageclass_init(struct daxpin_page_counts *counts,
			   enum daxpin_page_semantics sem);

/* Adds one run of folios to counts. */
void daxpin_pageclass_add(struct daxpin_page_counts *counts,
			  const struct pagescan_run *run,
			  enum daxpin_page_semantics sem,
			  enum daxpin_page_kind kind);

#endif
