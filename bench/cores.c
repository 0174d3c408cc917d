/*
 * cores.c - how much work this machine's cores do at once.
 *
 *   cores [MS]
 *
 * A virtual machine's cores need not be whole cores: the host may give
 * one of them to someone else half of the time, or two may be one core's
 * hyperthreads.  A speed-up from threads is bounded by what the cores do
 * together, not by their number.  This runs a CPU-bound loop (integer
 * work on registers, no memory traffic) for MS milliseconds (default 500)
 * pinned to each online core alone, one after the other, then on every
 * core at once, and prints one line:
 *
 *   cores n=N alone=R0,R1,... together=T
 *
 * R_i: core i's work alone against the fastest core's alone; T: the work
 * of all the cores at once against the fastest core's alone (N for N
 * whole cores, idle but for this).  Each loop counts its rounds and
 * reports them through a pipe; the parent only waits.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CORES 256

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Rounds of a dependent multiply-add chain done in ms milliseconds. */
static uint64_t spin(unsigned ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL, rounds = 0;
	volatile uint64_t sink;
	uint64_t x = 1;

	do {
		for (int i = 0; i < 1 << 16; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		rounds++;
	} while (now_ns() < end);
	sink = x;
	(void)sink;
	return rounds;
}

/* Start a loop pinned to core; its count comes on *fd. */
static pid_t start_on(int core, unsigned ms, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		cpu_set_t set;
		uint64_t n;

		close(p[0]);
		CPU_ZERO(&set);
		CPU_SET(core, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			_exit(2);
		n = spin(ms);
		_exit(write(p[1], &n, sizeof n) == sizeof n ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	*fd = p[0];
	return pid;
}

/* The count of the loop started as pid on fd, or 0 if it failed. */
static uint64_t finish(pid_t pid, int fd)
{
	uint64_t n = 0;
	int status;

	if (read(fd, &n, sizeof n) != sizeof n)
		n = 0;
	close(fd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		n = 0;
	return n;
}

int main(int argc, char **argv)
{
	unsigned ms = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 500;
	int cores[MAX_CORES], fds[MAX_CORES], n = 0;
	uint64_t alone[MAX_CORES], best = 0, together = 0;
	pid_t pids[MAX_CORES];
	cpu_set_t set;

	if (ms == 0 || ms > 60000) {
		fprintf(stderr, "usage: cores [MS], 1 to 60000\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof set, &set) < 0) {
		fprintf(stderr, "cores: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	for (int c = 0; c < CPU_SETSIZE && n < MAX_CORES; c++)
		if (CPU_ISSET(c, &set))
			cores[n++] = c;
	for (int i = 0; i < n; i++) {
		pids[i] = start_on(cores[i], ms, &fds[i]);
		alone[i] = pids[i] < 0 ? 0 : finish(pids[i], fds[i]);
		if (alone[i] == 0) {
			fprintf(stderr, "cores: the loop on core %d failed\n",
				cores[i]);
			return 1;
		}
		if (alone[i] > best)
			best = alone[i];
	}
	for (int i = 0; i < n; i++)
		pids[i] = start_on(cores[i], ms, &fds[i]);
	for (int i = 0; i < n; i++) {
		uint64_t k = pids[i] < 0 ? 0 : finish(pids[i], fds[i]);

		if (k == 0) {
			fprintf(stderr, "cores: the loop on core %d failed\n",
				cores[i]);
			return 1;
		}
		together += k;
	}
	printf("cores n=%d alone=", n);
	for (int i = 0; i < n; i++)
		printf("%s%.2f", i ? "," : "", (double)alone[i] / (double)best);
	printf(" together=%.2f\n", (double)together / (double)best);
	return 0;
}
