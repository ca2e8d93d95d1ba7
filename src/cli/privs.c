/* Dropping root (privs.h): getpwnam, setgroups, setgid, setuid, and the check that setuid(0)
 * fails afterwards. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

int cli_user_find(const char *user, uid_t *uid, gid_t *gid, char *msg, size_t n)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(msg, n, "%s", errno ? strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int cli_drop_to(uid_t uid, gid_t gid, char *msg, size_t n)
{
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(msg, n, "%s", strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(msg, n, "root privileges came back");
		return -1;
	}
	return 0;
}

int cli_drop_privileges(const char *cmd, const char *user)
{
	char msg[128];
	uid_t uid;
	gid_t gid;
	if (cli_user_find(user, &uid, &gid, msg, sizeof(msg)) ||
	    cli_drop_to(uid, gid, msg, sizeof(msg))) {
		fprintf(stderr, "wirekit %s: -Z %s: %s\n", cmd, user, msg);
		return 1;
	}
	return 0;
}
