/* Running as another user once what needs root is open (sniff -Z, scan -Z): shared by the
 * commands that drop privileges. */
#ifndef WK_CLI_PRIVS_H
#define WK_CLI_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

/* The uid and gid of user: 0, or -1 with the reason in msg ("no such user"). */
int cli_user_find(const char *user, uid_t *uid, gid_t *gid, char *msg, size_t n);
/* Run as uid/gid from now on: groups, then group, then user (the other order would leave
 * us unable to change the groups), and check that root cannot come back. 0, or -1 with
 * the reason in msg. */
int cli_drop_to(uid_t uid, gid_t gid, char *msg, size_t n);
/* Both, printing "wirekit CMD: -Z USER: reason" on failure: 0 or 1. */
int cli_drop_privileges(const char *cmd, const char *user);

#endif
