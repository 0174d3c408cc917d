/*
 * landlock.c - Landlock through its three system calls (glibc has no
 * wrappers).  See landlock.h.
 */
#include "landlock.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Rights and structures newer than Debian 12's header (ABI 2).  The
 * values are the kernel's ABI and never change. */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)	/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */
#define LL_RULE_NET_PORT	2

/* The ABI 6 form of struct landlock_ruleset_attr.  The kernel takes a
 * larger structure than it knows as long as the part it does not know is
 * zero, so the same size is passed to every kernel. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Rights that apply to a file (the rest only to directories: a rule on
 * a file that names one fails with EINVAL). */
#define LL_FS_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE |			\
			   LANDLOCK_ACCESS_FS_WRITE_FILE |		\
			   LANDLOCK_ACCESS_FS_READ_FILE |		\
			   LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

/* Every file-system right the kernel's ABI knows. */
static uint64_t fs_rights(int abi)
{
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

static uint64_t rule_rights(unsigned access, bool is_dir)
{
	uint64_t r = 0;

	if (access & LL_READ)
		r |= LANDLOCK_ACCESS_FS_READ_FILE |
		     (is_dir ? LANDLOCK_ACCESS_FS_READ_DIR : 0);
	if (access & LL_EXECUTE)
		r |= LANDLOCK_ACCESS_FS_EXECUTE;
	return r;
}

static bool add_path_rule(int ruleset, const struct landlock_rule *rule,
			  char *err, size_t errlen)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int fd = open(rule->path, O_PATH | O_CLOEXEC);

	if (fd == -1 && (errno == ENOENT || errno == ENOTDIR))
		return true;
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "Landlock: %s: %s", rule->path,
			 strerror(errno));
		if (fd != -1)
			close(fd);
		return false;
	}
	pb.allowed_access = rule_rights(rule->access, S_ISDIR(st.st_mode));
	if (!S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_FS_FILE_RIGHTS;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
		    &pb, 0) == -1) {
		snprintf(err, errlen, "Landlock: rule for %s: %s", rule->path,
			 strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static bool add_port_rule(int ruleset, uint16_t port, char *err,
			  size_t errlen)
{
	struct ll_net_port_attr np = {
		.allowed_access = LL_NET_CONNECT_TCP, .port = port };

	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &np,
		    0) == -1) {
		snprintf(err, errlen, "Landlock: rule for TCP port %u: %s",
			 port, strerror(errno));
		return false;
	}
	return true;
}

static bool add_rules(int ruleset, int abi, const struct landlock_rule *rules,
		      size_t n, const struct landlock_net *net, char *err,
		      size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!add_path_rule(ruleset, &rules[i], err, errlen))
			return false;
	if (abi < 4 || !net->handle_connect)
		return true;
	for (i = 0; i < net->nports; i++)
		if (!add_port_rule(ruleset, net->connect_ports[i], err, errlen))
			return false;
	return true;
}

bool landlock_confine(int abi, const struct landlock_rule *rules, size_t n,
		      const struct landlock_net *net, char *err,
		      size_t errlen)
{
	struct ll_ruleset_attr attr;
	int ruleset;
	bool ok;

	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = fs_rights(abi);
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP |
			(net->handle_connect ? LL_NET_CONNECT_TCP : 0);
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
			       sizeof attr, 0);
	if (ruleset == -1) {
		snprintf(err, errlen, "Landlock: cannot create a ruleset: %s",
			 strerror(errno));
		return false;
	}
	ok = add_rules(ruleset, abi, rules, n, net, err, errlen);
	if (ok && syscall(SYS_landlock_restrict_self, ruleset, 0) == -1) {
		snprintf(err, errlen, "Landlock: cannot restrict: %s",
			 strerror(errno));
		ok = false;
	}
	close(ruleset);
	return ok;
}
