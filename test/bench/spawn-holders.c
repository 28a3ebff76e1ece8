// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * spawn-holders N PATH READY [UID [HOLDING]]: N processes that hold PATH
 * open, every tenth also mapping its first 4 KiB (a 4K-aligned device-dax),
 * as UID when given ("-": unchanged; after opening: an unprivileged scan
 * then sees them); with HOLDING, only the first HOLDING of them hold PATH
 * and the others only wait (a population a scan must pass over). READY is
 * created once all are there; SIGTERM ends them all. One parent forks them:
 * a shell loop of 2,000 background jobs would measure the shell.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	int n = argc >= 4 ? atoi(argv[1]) : 0;
	bool setuid_to = argc >= 5 && strcmp(argv[4], "-") != 0;
	uid_t uid = setuid_to ? (uid_t)atoi(argv[4]) : 0;
	int holding = argc >= 6 ? atoi(argv[5]) : n;
	pid_t *pids = calloc(n > 0 ? n : 1, sizeof(*pids));
	int pipefd[2];
	FILE *ready;
	char c;

	if (n <= 0 || !pids || pipe(pipefd)) {
		fprintf(stderr, "usage: spawn-holders N PATH READY [UID [HOLDING]]\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int fd = i < holding ? open(argv[2], O_RDWR) : 0;

			if (fd < 0 || (i < holding && i % 10 == 0 &&
				       mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED))
				_exit(1);
			/* dumpable again after the uid change, else /proc/PID
			 * stays root's and no unprivileged scan can read it */
			if (setuid_to && (setgid(uid) || setuid(uid) ||
					  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
				_exit(1);
			close(pipefd[0]);
			/* one byte: this one holds it */
			if (write(pipefd[1], "x", 1) != 1)
				_exit(1);
			close(pipefd[1]);
			pause();
			_exit(0);
		}
	}
	close(pipefd[1]);
	for (int i = 0; i < n; i++)
		if (read(pipefd[0], &c, 1) != 1) {
			fprintf(stderr, "spawn-holders: a child could not hold %s\n", argv[2]);
			stop = 1;
			break;
		}
	ready = stop ? NULL : fopen(argv[3], "w");
	if (ready)
		fclose(ready);
	while (!stop)
		pause();
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
