/* daemon.c - detaching, the PID file, and dropping privileges. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int pid_fd = -1;
static char pid_path[4096];
/* The daemon's end of the start-up pipe, until daemon_ready(). */
static int ready_fd = -1;

/* The process the user started: wait for the daemon's word, say it,
 * and leave with 0 (ready) or 1.  "+": ready; "-" and a message: why
 * not; nothing at all: it died first. */
static int wait_ready(int fd)
{
	static char msg[DAEMON_MESSAGE_MAX + 2];
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, msg + n, sizeof msg - 1 - n);
		if (r > 0 && (n += (size_t)r) < sizeof msg - 1)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	msg[n] = '\0';
	if (n == 1 && msg[0] == '+')
		return 0;
	if (n > 1 && msg[0] == '-')
		fprintf(stderr, "scandetd: %s\n", msg + 1);
	else
		fprintf(stderr, "scandetd: the daemon ended during start-up "
			"(see the system log)\n");
	return 1;
}

bool daemon_detach(char *err, size_t errlen)
{
	int ready[2], fd;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return false;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return false;
	}
	if (pid > 0) {
		close(ready[1]);
		_exit(wait_ready(ready[0]));
	}
	close(ready[0]);
	ready_fd = ready[1];
	if (setsid() < 0) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		return false;
	}
	/* Fork again so that we can never reacquire a terminal. */
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return false;
	}
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		return false;
	}
	fd = open("/dev/null", O_RDWR);
	if (fd < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return false;
	}
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return true;
}

bool pidfile_create(const char *path, char *err, size_t errlen)
{
	char buf[32] = "";
	struct stat st;
	ssize_t n;

	/* Never through a symbolic link (whose target we would truncate),
	 * never blocking on a FIFO, only ever a regular file; and nothing is
	 * written before the lock is ours. */
	pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
			    O_NONBLOCK | O_NOCTTY, 0644);
	if (pid_fd < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symbolic link" :
			 strerror(errno));
		return false;
	}
	if (fstat(pid_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(pid_fd);
		pid_fd = -1;
		return false;
	}
	if (flock(pid_fd, LOCK_EX | LOCK_NB) != 0) {
		n = read(pid_fd, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "%s: scandetd is already running "
			 "(pid %s)", path, buf[0] ? buf : "?");
		close(pid_fd);
		pid_fd = -1;
		return false;
	}
	snprintf(pid_path, sizeof pid_path, "%s", path);
	return pidfile_write(err, errlen);
}

bool pidfile_write(char *err, size_t errlen)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());

	if (pid_fd < 0)
		return true;
	if (ftruncate(pid_fd, 0) != 0 ||
	    pwrite(pid_fd, buf, (size_t)len, 0) != len) {
		snprintf(err, errlen, "%s: %s", pid_path, strerror(errno));
		return false;
	}
	return true;
}

void daemon_ready(const char *error)
{
	size_t len = error ? strlen(error) : 0, off = 0;
	char *msg;
	ssize_t n;

	if (ready_fd < 0)
		return;
	if (len > DAEMON_MESSAGE_MAX)
		len = DAEMON_MESSAGE_MAX;
	msg = malloc(len + 1);
	if (msg) {
		msg[0] = error ? '-' : '+';
		memcpy(msg + 1, error ? error : "", len);
		while (off < len + 1 &&
		       ((n = write(ready_fd, msg + off, len + 1 - off)) > 0 ||
			(n < 0 && errno == EINTR)))
			if (n > 0)
				off += (size_t)n;
		free(msg);
	}
	close(ready_fd);
	ready_fd = -1;
}

void pidfile_remove(void)
{
	if (pid_fd < 0)
		return;
	/* After dropping root the directory may not let us; the file is
	 * then left, unlocked, and the next start takes it over. */
	(void)unlink(pid_path);
	close(pid_fd);
	pid_fd = -1;
}

/* Real, effective and saved ids all uid and gid; gid the only group. */
static bool ids_are(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];

	return getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	       ru == uid && eu == uid && su == uid &&
	       rg == gid && eg == gid && sg == gid &&
	       getgroups(2, groups) == 1 && groups[0] == gid;
}

bool privileges_drop(const char *user, bool *dropped, char *err,
		     size_t errlen)
{
	struct passwd *pw;
	gid_t gid;

	*dropped = false;
	if (geteuid() != 0)
		return true;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "RunAsUser %s: no such user", user);
		return false;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "RunAsUser %s: refusing to run as root",
			 user);
		return false;
	}
	gid = pw->pw_gid;
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become %s: %s", user,
			 strerror(errno));
		return false;
	}
	/* Verify rather than trust: every id, the groups, and that none
	 * of these may succeed or show root any more. */
	if (!ids_are(pw->pw_uid, gid) ||
	    setuid(0) == 0 || seteuid(0) == 0 || getuid() == 0 ||
	    geteuid() == 0 || getgid() == 0 || getegid() == 0) {
		snprintf(err, errlen, "dropped to %s but root can be regained",
			 user);
		return false;
	}
	*dropped = true;
	return true;
}
