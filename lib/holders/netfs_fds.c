// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Open files on network file systems, identified without asking the server.
 *
 * The /proc scan stats every open file to compare it with the targets. On a
 * network file system that stat may be a round trip to the server: 9p asks
 * at every stat whatever AT_STATX_DONT_SYNC says (300 forked workers whose
 * stdout and stderr are one log file on a 9p share: 900 round trips, 0.2 s
 * of a 0.5 s scan under TCG). Forked processes share their parent's files
 * at the same descriptor numbers, so a worker remembers, per number, the
 * last such file it stat'ed, by mount id and inode; the next process's
 * fdinfo, which procfs answers without the file system, tells whether that
 * descriptor is the same file.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "holders_internal.h"

bool holders_on_netfs(const struct scan *s, dev_t dev)
{
	for (size_t i = 0; i < s->nr_netfs_devs; i++)
		if (s->netfs_devs[i] == dev)
			return true;
	return false;
}

/*
 * "mnt_id:\tN\nino:\tN\n" from fdinfo text (Linux 5.14 added ino; without
 * it nothing matches and every file is stat'ed as before).
 */
bool holders_fdinfo_parse(const char *text, int *mnt_id, uint64_t *ino)
{
	const char *m = strstr(text, "\nmnt_id:\t");
	const char *i = strstr(text, "\nino:\t");
	char *end;

	if (!m || !i)
		return false;
	*mnt_id = (int)strtol(m + strlen("\nmnt_id:\t"), &end, 10);
	if (*end != '\n')
		return false;
	*ino = strtoull(i + strlen("\nino:\t"), &end, 10);
	return *end == '\n';
}

static bool same_file(int pid_dfd, const char *name, const struct netfs_fd *seen)
{
	char path[32], text[256];
	uint64_t ino;
	int fd, mnt_id;
	ssize_t n;

	snprintf(path, sizeof(path), "fdinfo/%s", name);
	fd = openat(pid_dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* pos, flags, mnt_id and ino come first, whatever the file adds after */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	return holders_fdinfo_parse(text, &mnt_id, &ino) && mnt_id == seen->mnt_id &&
	       ino == seen->ino;
}

int holders_stat_fd(struct worker *w, int pid_dfd, int fd_dfd, const char *name,
		    struct file_id *id)
{
	unsigned long nr = strtoul(name, NULL, 10);
	struct netfs_fd *seen = nr < HOLDERS_NETFS_FDS ? &w->netfs[nr] : NULL;
	struct statx stx;

	if (seen && seen->valid && same_file(pid_dfd, name, seen)) {
		w->netfs_hits++;
		*id = seen->id;
		return 0;
	}
	if (statx(fd_dfd, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO | STATX_MNT_ID,
		  &stx) < 0)
		return -errno;
	holders_id_from_statx(id, &stx);
	if (seen) {
		seen->valid = (stx.stx_mask & STATX_MNT_ID) && holders_on_netfs(w->s, id->dev);
		seen->mnt_id = (int)stx.stx_mnt_id;
		seen->ino = stx.stx_ino;
		seen->id = *id;
	}
	return 0;
}
