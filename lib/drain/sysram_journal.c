// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a drain of system RAM has offlined, kept where the next daxpin
 * command finds it. The kernel cannot undo an offline for a process it
 * kills: a drain SIGKILLed between two blocks leaves the first offline,
 * memory the system has lost without anyone saying so. Before the drain
 * moves on it records each block it offlined, with the zone to online it
 * in, in /run/daxpin/offlined-NAME; the record goes when the blocks are
 * back or the device is gone. The drain holds NAME's drain lock all along,
 * so a record whose lock can be taken has no drain behind it, and the
 * repair puts its blocks back online under that lock.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daxpin/drain.h>
#include <daxpin/memory.h>

#include "core/private.h"
#include "drain_internal.h"
#include "drainlock.h"

#define JOURNAL_PREFIX "offlined-"
/* an online write that the kernel may take this long to finish */
#define REPAIR_ONLINE_MS 10000

static void journal_path(const char *name, const char *suffix, char *path, size_t size)
{
	snprintf(path, size, DAXPIN_RUN_DIR "/" JOURNAL_PREFIX "%s%s", name, suffix);
}

int sysram_journal_save(const char *name, const struct daxpin_memory *m, const bool *offlined,
			const enum daxpin_zone *zone_was)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t nr = 0;
	FILE *f;

	for (size_t i = 0; i < m->nr_blocks; i++)
		nr += offlined[i];
	journal_path(name, "", path, sizeof(path));
	if (!nr)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	/* renamed into place: a kill mid-write leaves the last whole record */
	journal_path(name, ".tmp", tmp, sizeof(tmp));
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (size_t i = 0; i < m->nr_blocks; i++)
		if (offlined[i])
			fprintf(f, "%lu %s\n", m->blocks[i].id, daxpin_memblock_online_state(zone_was[i]));
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int rc = -errno;

		unlink(tmp);
		return rc;
	}
	return 0;
}

void sysram_journal_clear(const char *name)
{
	char path[PATH_MAX];

	journal_path(name, "", path, sizeof(path));
	unlink(path);
}

/* Onlines every block of the record that is still offline; the record goes once all are. */
static int replay(struct daxpin_ctx *ctx, const char *path, struct daxpin_memory_repair *r)
{
	char state[32];
	unsigned long id;
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	while (fscanf(f, "%lu %31s", &id, state) == 2) {
		struct daxpin_memblock b = { .id = id };
		int err;

		/* a block the kernel removed went with its device: nothing to undo */
		if (!daxpin_memblock_exists(id))
			continue;
		err = daxpin_memblock_set_state(ctx, &b, state, REPAIR_ONLINE_MS, NULL, NULL);
		if (b.state == DAXPIN_MEMBLOCK_ONLINE)
			r->onlined++;
		else if (!rc)
			rc = err ? err : -EIO;
		free(b.valid_zones);
	}
	fclose(f);
	if (!rc)
		unlink(path);
	return rc;
}

static int repair_one(struct daxpin_ctx *ctx, const char *name, daxpin_memory_repair_fn fn,
		      void *arg)
{
	struct daxpin_memory_repair r = { .name = name, .owner = drain_lock_owner(name) };
	char path[PATH_MAX];
	pid_t holder;
	int fd = drain_lock(name, 0, &holder);

	/* its drain is alive, or this user cannot tell: not ours to undo */
	if (fd == -EWOULDBLOCK || ((fd == -EACCES || fd == -EPERM) && drain_lock_held(name)))
		return 0;
	journal_path(name, "", path, sizeof(path));
	r.error = fd < 0 ? fd : replay(ctx, path, &r);
	drain_unlock(fd);
	dbg(ctx, "%s: blocks offlined by pid %d, %zu onlined again: %s\n", name, (int)r.owner,
	    r.onlined, strerror(-r.error));
	if (fn)
		fn(&r, arg);
	return r.error ? 0 : 1;
}

DAXPIN_EXPORT int daxpin_memory_repair(struct daxpin_ctx *ctx, daxpin_memory_repair_fn fn,
				       void *arg)
{
	DIR *dir = opendir(DAXPIN_RUN_DIR);
	struct dirent *de;
	int repaired = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		const char *name = de->d_name + strlen(JOURNAL_PREFIX);

		size_t len = strlen(de->d_name);

		/* not the record being written (.tmp): the one it replaces is whole */
		if (strncmp(de->d_name, JOURNAL_PREFIX, strlen(JOURNAL_PREFIX)) == 0 && *name &&
		    !(len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0))
			repaired += repair_one(ctx, name, fn, arg);
	}
	closedir(dir);
	return repaired;
}
