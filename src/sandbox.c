/*
 * sandbox.c - PLACEHOLDER until the real sandbox.c is merged: it applies
 * nothing, and says so in the report, so that proc.c can be built and
 * tested against the interface in sandbox.h.  Replaced at merge.
 */
#include "sandbox.h"

#include <stdio.h>

const char *sandbox_role_name(enum sandbox_role role)
{
	static const char *const names[SANDBOX_ROLE_COUNT] = {
		[SANDBOX_PRIV] = "priv",
		[SANDBOX_ENGINE] = "engine",
		[SANDBOX_MAILER] = "mailer",
		[SANDBOX_RESOLVER] = "resolver",
	};

	return (unsigned)role < SANDBOX_ROLE_COUNT ? names[role] : "unknown";
}

bool sandbox_enter(enum sandbox_role role, const struct sandbox_opts *opts,
		   bool required, struct sandbox_report *rep, char *err,
		   size_t errlen)
{
	(void)role;
	(void)opts;
	*rep = (struct sandbox_report){ .landlock_abi = 0 };
	snprintf(rep->missing, sizeof rep->missing, "sandbox.c not merged yet");
	if (required) {
		snprintf(err, errlen, "SandboxRequired: %s", rep->missing);
		return false;
	}
	return true;
}

bool caps_keep_only(const int *keep, size_t n, char *err, size_t errlen)
{
	(void)keep;
	(void)n;
	(void)err;
	(void)errlen;
	return true;
}
