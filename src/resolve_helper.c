/*
 * resolve_helper.c - the resolver process: one getnameinfo() per request,
 * in order, for as long as the daemon keeps its end open.  Started by the
 * parent through proc_start() (see proc.h for what it is left with); the
 * daemon's side, the cache in front of it, is resolve.c.
 */
#include "resolve.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>

static socklen_t to_sockaddr(const uint8_t addr[16],
			     struct sockaddr_storage *ss)
{
	struct ipaddr a;

	memcpy(a.b, addr, sizeof a.b);
	memset(ss, 0, sizeof *ss);
	if (addr_is_v4(&a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr + 12, 4);
		return sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		return sizeof *sin6;
	}
}

/* The blocking lookup.  NI_NAMEREQD: a failed lookup is an error, never
 * the address in text form dressed up as a name. */
static void answer_request(const struct resolve_request *req,
			   struct resolve_answer *ans)
{
	struct sockaddr_storage ss;
	socklen_t sslen = to_sockaddr(req->addr, &ss);
	char host[NI_MAXHOST];

	memset(ans, 0, sizeof *ans);
	ans->type = RESOLVE_MSG_ANSWER;
	memcpy(ans->addr, req->addr, sizeof ans->addr);
	if (getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof host,
			NULL, 0, NI_NAMEREQD) != 0)
		ans->status = RESOLVE_NONAME;
	else if (!hostname_sanitise(host, ans->name, sizeof ans->name))
		ans->status = RESOLVE_BADNAME;
	else
		ans->status = RESOLVE_OK;
}

/* Returns -1 when sent, else the exit code the helper should leave with. */
static int send_answer(int sock, const struct resolve_answer *ans)
{
	ssize_t n;

	do
		n = send(sock, ans, sizeof *ans, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof *ans)
		return -1;			/* carry on */
	if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
		return PROC_EXIT_OK;		/* the daemon went away */
	return PROC_EXIT_FATAL;
}

/* proc_spec.run: one request at a time, in order, until the daemon
 * closes its end. */
static int serve_requests(void *arg, int sock)
{
	struct resolve_request req;
	struct resolve_answer ans;
	uint8_t buf[sizeof req + 1];	/* + 1: see oversized messages */
	ssize_t n;
	int rc;

	(void)arg;
	/* A write to a vanished peer (ours or a DNS server's) is an error
	 * return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		n = recv(sock, buf, sizeof buf, 0);
		if (n == 0)
			return PROC_EXIT_OK;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == ECONNRESET ? PROC_EXIT_OK :
			       PROC_EXIT_FATAL;
		if ((size_t)n != sizeof req)
			return PROC_EXIT_PROTOCOL;
		memcpy(&req, buf, sizeof req);
		if (req.type != RESOLVE_MSG_REQUEST)
			return PROC_EXIT_PROTOCOL;
		answer_request(&req, &ans);
		if ((rc = send_answer(sock, &ans)) != -1)
			return rc;
	}
}

bool resolver_proc_start(const char *user, bool sandbox_required,
			 struct proc *p, char *err, size_t errlen)
{
	struct proc_spec spec;

	memset(&spec, 0, sizeof spec);
	spec.name = "resolver";
	spec.role = SANDBOX_RESOLVER;
	spec.user = user;
	spec.sandbox_required = sandbox_required;
	spec.run = serve_requests;
	return proc_start(&spec, p, err, errlen);
}
