// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
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

int outfile_open(struct outfile *o, const char *cmd, const char *path)
{
	char *copy_dir = strdup(path), *copy_base = strdup(path);
	int fd = -1, err = ENOMEM;

	o->f = NULL;
	o->path = strdup(path);
	o->tmp = NULL;
	/* hidden and without the final suffix: the textfile collector reads *.prom only */
	if (copy_dir && copy_base && o->path &&
	    asprintf(&o->tmp, "%s/.%s.XXXXXX", dirname(copy_dir), basename(copy_base)) < 0)
		o->tmp = NULL;
	if (o->tmp) {
		fd = mkostemp(o->tmp, O_CLOEXEC);
		err = errno;
	}
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
	if (fclose(o->f) != 0 && !err)
		err = errno;
	if (!err && rename(o->tmp, o->path) != 0)
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
