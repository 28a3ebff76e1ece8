// SPDX-License-Identifier: GPL-2.0-or-later
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "interrupt.h"

static volatile sig_atomic_t interrupted;

static void interrupt_note(int sig)
{
	(void)sig;
	interrupted = 1;
}

static sigset_t interrupt_set(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return set;
}

int interrupt_fd_open(void)
{
	sigset_t set = interrupt_set();

	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int interrupt_signal(int fd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (fd < 0 || poll(&pfd, 1, 0) <= 0)
		return 0;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

volatile sig_atomic_t *interrupt_flag_install(void)
{
	struct sigaction sa = { .sa_handler = interrupt_note };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &interrupted;
}
