/* SPDX-License-Identifier: BSD-3-Clause */
/* Drops root once the sockets and captures a command needs are open. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cmd.h"

/* The unprivileged identity used when root itself ran us (as tcpdump -Z does). */
#define PRIVS_FALLBACK_ID 65534

int privs_drop(const char *prog)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (geteuid() != 0 && uid == geteuid())
		return 0; /* never had privileges to drop */
	if (uid == 0) {
		const struct passwd *pw = getpwnam("nobody");
		uid = pw ? pw->pw_uid : PRIVS_FALLBACK_ID;
		gid = pw ? pw->pw_gid : PRIVS_FALLBACK_ID;
	}
	/* STYLE.md order: groups, then gid, then uid, each checked. */
	if (setgroups(0, NULL) != 0 && errno != EPERM) {
		fprintf(stderr, "%s: setgroups: %s\n", prog, strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		fprintf(stderr, "%s: setresgid: %s\n", prog, strerror(errno));
		return -1;
	}
	/* Without PR_SET_KEEPCAPS, leaving uid 0 clears every capability set. */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || setresuid(uid, uid, uid) != 0) {
		fprintf(stderr, "%s: setresuid: %s\n", prog, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "%s: could regain root after dropping it; refusing to go on\n", prog);
		return -1;
	}
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}
