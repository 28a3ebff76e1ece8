/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef DAXPIN_DAXPIN_H
#define DAXPIN_DAXPIN_H

/* Fronts lib/core/. */

/*
 * libdaxpin: who holds pages of a persistent-memory device.
 *
 * The engine behind the daxpin command, not a public library yet: it is
 * linked statically into daxpin, its tests and benchmarks, and installs
 * nothing, because these headers expose struct layouts and arrays (a new
 * field would break a program built against an installed copy). What it
 * models, each in its own header:
 *
 *   struct daxpin_ctx        one per caller: the log, libndctl and libudev
 *   struct daxpin_topology   topology.h: regions, their namespaces and dax
 *                            devices (from libndctl and libdaxctl);
 *                            daxpin_topology_lookup() finds any of them by
 *                            name, the one walk by name there is
 *   struct daxpin_pagestate  pagestate.h: page counts (referenced, pinned,
 *                            mapped, the first busy folios) of PFN ranges,
 *                            read from the kernel's struct pages;
 *                            topology_pages.h: those of every namespace
 *                            and dax device of a topology, attached to
 *                            each object (its pages member)
 *   struct daxpin_holders    holders.h: the processes that map or open a
 *                            target (a dax device, namespace, file or
 *                            filesystem), and those owning its pages'
 *                            references (owners.h: pipes, io_uring, RDMA
 *                            and VFIO hints); topology_holders.h: those of
 *                            every namespace and dax device of a topology,
 *                            attached to each object (its holders member)
 *   struct daxpin_drain      drain.h: wait, fence, check, unbind
 *   struct daxpin_layouts    layouts.h: tasks waiting in fsdax layout breaks
 *   struct daxpin_monitor    monitor.h: device events for watch
 *
 * Functions return 0 or a negative errno. The library prints nothing but
 * its log, which goes to stderr at the priority of DAXPIN_LOG (a syslog
 * name or number: "err", "info", "debug") unless a log function is set.
 */

#include <stdarg.h>

struct daxpin_ctx;

int daxpin_new(struct daxpin_ctx **ctx);
void daxpin_unref(struct daxpin_ctx *ctx);

typedef void (*daxpin_log_fn)(struct daxpin_ctx *ctx, int priority,
			      const char *file, int line, const char *fn,
			      const char *format, va_list args);
void daxpin_set_log_fn(struct daxpin_ctx *ctx, daxpin_log_fn fn);
void daxpin_set_log_priority(struct daxpin_ctx *ctx, int priority);
int daxpin_get_log_priority(struct daxpin_ctx *ctx);

/*
 * daxpin_set_scans() - the scans the caller will run with this handle
 * @scans: DAXPIN_SCAN_* ORed, 0 (the default) for none declared
 *
 * Each scan below reads the kernel through BPF programs of one BPF object.
 * The first scan of the handle whose programs are not pinned yet loads
 * those of every scan declared here with its own, at once: libbpf then
 * parses the kernel's BTF and matches the programs' types against it once,
 * most of a first run's time after boot; the later scans find their
 * programs pinned. A scan not declared still runs, loading its own.
 */
#define DAXPIN_SCAN_HOLDERS	(1U << 0)	/* daxpin_holders_scan() */
#define DAXPIN_SCAN_OWNERS	(1U << 1)	/* daxpin_owners_scan() */
#define DAXPIN_SCAN_PAGES	(1U << 2)	/* daxpin_pagestate_open() */
#define DAXPIN_SCAN_PAGEFILES	(1U << 3)	/* daxpin_page_files() */
void daxpin_set_scans(struct daxpin_ctx *ctx, unsigned int scans);

#endif
