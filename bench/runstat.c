/*
 * runstat.c - run a command and report what it cost.
 *
 *   runstat COMMAND [ARG...]
 *
 * Runs COMMAND (its standard output and error go where runstat's go) and
 * prints one line to standard error:
 *
 *   runstat wall_ns=N user_us=N sys_us=N maxrss_kib=N status=N
 *
 * wall time from CLOCK_MONOTONIC around fork and wait; user, system time
 * and peak resident set size from wait4's rusage of the child alone.
 * Exits with the command's status.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0, t1;
	int status, code;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: runstat COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runstat: wait4");
			return 1;
		}
	}
	t1 = now_ns();
	code = WIFEXITED(status) ? WEXITSTATUS(status)
				 : 128 + WTERMSIG(status);
	fprintf(stderr, "runstat wall_ns=%llu user_us=%llu sys_us=%llu "
		"maxrss_kib=%ld status=%d\n", (unsigned long long)(t1 - t0),
		(unsigned long long)tv_us(ru.ru_utime),
		(unsigned long long)tv_us(ru.ru_stime), ru.ru_maxrss, code);
	return code;
}
