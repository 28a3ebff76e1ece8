// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holders of persistent-memory targets, found in one pass over /proc.
 *
 * For every process: its mappings (PROCMAP_QUERY, or the maps text with a
 * cheap device:inode test on each line before the rest is parsed), its file
 * descriptors, and its cwd, root and exe links. Workers, two per core, take
 * processes from a shared list. Files are
 * identified by device and inode, never by path: a container with its own
 * /dev or its own mount of the DAX filesystem holds the same device and
 * inodes under other names. Everything of a process is read through a
 * directory fd on /proc/PID, which goes stale (ENOENT) when that process
 * exits instead of following a reused pid to another process.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <daxpin/holders.h>
#include <daxpin/owners.h>

#include "core/private.h"
#include "procmaps.h"
#include "procstatus.h"
#include "holders_internal.h"


DAXPIN_EXPORT int daxpin_holders_scan(struct daxpin_ctx *ctx,
				      const struct daxpin_target *targets,
				      size_t nr_targets, unsigned int timeout_ms,
				      unsigned int flags, struct daxpin_holders **out)
{
	struct scan s = { .ctx = ctx, .targets = targets, .nr_targets = nr_targets,
			  .self = getpid(), .pidfds = !(flags & DAXPIN_HOLDERS_NO_PIDFD) };
	struct daxpin_holders *h;
	bool file_keys = false;
	int rc = -ENOTSUP;

	*out = NULL;
	for (size_t i = 0; i < nr_targets; i++)
		for (size_t j = 0; j < targets[i].nr_keys; j++) {
			enum daxpin_key_kind kind = targets[i].keys[j].kind;

			s.has_device_keys |= kind == DAXPIN_KEY_CHARDEV || kind == DAXPIN_KEY_BLOCKDEV;
			file_keys |= kind == DAXPIN_KEY_FILE || kind == DAXPIN_KEY_FILESYSTEM;
		}
	s.devices_map_shared = holders_devices_map_shared(targets, nr_targets);
	s.shared_maps_only = s.has_device_keys && !file_keys && s.devices_map_shared;
	s.links = holders_links_that_can_match(targets, nr_targets);
	holders_deadline_set(&s.deadline, timeout_ms);
	h = calloc(1, sizeof(*h));
	if (!h || !(h->targets = calloc(nr_targets ? nr_targets : 1, sizeof(*h->targets)))) {
		daxpin_holders_free(h);
		return -ENOMEM;
	}
	h->nr_targets = nr_targets;
#if HOLDERS_BPF
	if (!(flags & DAXPIN_HOLDERS_NO_BPF)) {
		rc = holders_scan_bpf(&s, h);
		if (rc && rc != -ENOMEM)
			dbg(ctx, "BPF iterators not used (%s): reading /proc\n", strerror(-rc));
	}
#endif
	h->via_bpf = !rc;
	if (rc && rc != -ENOMEM)
		rc = holders_scan_proc(&s, h);
	if (!rc)
		rc = holders_set_reason(h);
	free(s.pids);
	if (rc < 0) {
		daxpin_holders_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

DAXPIN_EXPORT void daxpin_holders_free(struct daxpin_holders *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nr_targets; i++)
		free(h->targets[i].holders);
	for (size_t i = 0; i < h->nr_procs; i++)
		holders_process_release(&h->procs[i]);
	free(h->targets);
	free(h->procs);
	free(h->reason);
	daxpin_owners_free(h->owners);
	free(h);
}
