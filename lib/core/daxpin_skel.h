/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_SKEL_H
#define DAXPIN_SKEL_H

/*
 * The skeleton of the daxpin BPF object (bpf/meson.build), with the types
 * its .bss declares: the object links the programs of every scan, so each
 * scan's user sees the variables of all of them (it uses its own).
 */
#include <linux/types.h>
#include "bpf/holders/holders_abi.h"
#include "bpf/pages/owners_abi.h"
#include "bpf/pages/pagefile_abi.h"
#include "bpf/pages/pagescan_abi.h"
#include "daxpin.skel.h"

#endif
