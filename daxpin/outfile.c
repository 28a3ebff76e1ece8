// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "output.h"

static void outfile_clear(struct outfile *o)
{
	free(o->path);
	free(o->tmp);
	o->f = NULL;
	o->path = o->tmp = NULL;
}

/* Whether NAME is ".BASE.XXXXXX", a temporary file of BASE as mkostemp(3) names it. */
static bool is_temporary_of(const char *name, const char *base)
{
	size_t len = strlen(base);

	if (name[0] != '.' || strncmp(name + 1, base, len) != 0 || name[len + 1] != '.' ||
	    strlen(name + len + 2) != 6)
		return false;
	for (const char *c = name + len + 2; *c; c++)
		if (!isalnum((unsigned char)*c))
			return false;
	return true;
}

/*
 * Removes the temporary files of BASE in DIRFD that no run holds: killed
 * runs left them. The caller holds the directory's lock, which a run also
 * holds from creating its file until it has locked it.
 */
static void remove_abandoned(int dirfd, const char *dir, const char *base, const char *cmd)
{
	int scan = dup(dirfd);
	DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
	struct dirent *de;

	if (!d) {
		if (scan >= 0)
			close(scan);
		return;
	}
	while ((de = readdir(d))) {
		int fd;

		if (!is_temporary_of(de->d_name, base))
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dirfd, de->d_name, 0) == 0)
			fprintf(stderr, "daxpin %s: removed '%s/%s', left by a run that was killed before it finished\n",
				cmd, dir, de->d_name);
		close(fd);
	}
	closedir(d);
}

int outfile_open(struct outfile *o, const char *cmd, const char *path)
{
	char *copy_dir = strdup(path), *copy_base = strdup(path);
	const char *dir = copy_dir ? dirname(copy_dir) : NULL;
	const char *base = copy_base ? basename(copy_base) : NULL;
	int fd = -1, dirfd = -1, err = ENOMEM;

	o->f = NULL;
	o->path = strdup(path);
	o->tmp = NULL;
	/* hidden and without the final suffix: the textfile collector reads *.prom only */
	if (dir && base && o->path && asprintf(&o->tmp, "%s/.%s.XXXXXX", dir, base) < 0)
		o->tmp = NULL;
	if (o->tmp) {
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = errno;
	}
	if (dirfd >= 0 && flock(dirfd, LOCK_EX) == 0) {
		remove_abandoned(dirfd, dir, base, cmd);
		fd = mkostemp(o->tmp, O_CLOEXEC);
		err = errno;
		if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
			err = errno;
			close(fd);
			unlink(o->tmp);
			fd = -1;
		}
	}
	if (dirfd >= 0)
		close(dirfd);
	free(copy_dir);
	free(copy_base);
	/* what a metrics file or report needs: readable by the collector */
	if (fd >= 0 && fchmod(fd, 0644) == 0)
		o->f = fdopen(fd, "w");
	if (!o->f) {
		if (fd >= 0) {
			err = errno;
			close(fd);
			unlink(o->tmp);
		}
		error_line("daxpin %s: cannot write '%s': %s", cmd, path, strerror(err));
		outfile_clear(o);
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *o, const char *cmd)
{
	int err = 0;

	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		err = errno ? errno : EIO;
	/* renamed while its lock is held: unlocked, it is another run's to remove */
	if (!err && rename(o->tmp, o->path) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno;
	if (err) {
		unlink(o->tmp);
		error_line("daxpin %s: cannot write '%s': %s", cmd, o->path, strerror(err));
	}
	outfile_clear(o);
	return err ? -1 : 0;
}

void outfile_abort(struct outfile *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	unlink(o->tmp);
	outfile_clear(o);
}
