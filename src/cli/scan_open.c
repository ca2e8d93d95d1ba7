/* wirekit scan -Z USER and --pcapng FILE: what is opened before the scan starts and the
 * drop of root once the engine's sockets are open (c->o.on_open). As sniff -Z: the default
 * as root is nobody, -Z root keeps root. Output files are opened before the drop (owned by
 * the user who started the scan); a resume file to be rewritten while the scan runs is
 * opened before it too and rewritten in place (the dropped user may not write to its
 * directory, so write + rename is not possible). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "privs.h"
#include "scan_args.h"
#include "scan_cli.h"

/* Two names of one file: the same name, or one existing regular file (device and inode). */
static bool same_path(const char *a, const char *b)
{
	return !strcmp(a, b) || out_same_file(a, b);
}

/* Before any file is opened (opening an output truncates it): each path that is not "-"
 * must not be a directory, and its directory must exist and take new files, so that a
 * typo in the last path does not cost an existing file named first; no output may be
 * another output or an input (-iL hosts.txt -oN hosts.txt would empty the target list).
 * 0, 1 (a path that cannot be written) or 2 (one file named twice), said. */
int scan_paths_check(const char *const *paths, size_t n, const char *const *ins, size_t nin)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		if (!p || !strcmp(p, "-"))
			continue;
		for (size_t j = 0; j < nin; j++)
			if (strcmp(ins[j], "-") && same_path(ins[j], p))
				return scan_usage_err("%s is an input and an output (it would be "
				                      "overwritten)",
				                      p);
		for (size_t j = i + 1; j < n; j++)
			if (paths[j] && strcmp(paths[j], "-") && same_path(p, paths[j]))
				return scan_usage_err("%s is named by two outputs", p);
		struct stat st;
		char dir[4096];
		const char *slash = strrchr(p, '/');
		size_t dl = slash ? (size_t)(slash - p) : 0;
		if (dl >= sizeof(dir)) {
			fprintf(stderr, "wirekit scan: %s: %s\n", p, strerror(ENAMETOOLONG));
			return 1;
		}
		snprintf(dir, sizeof(dir), "%.*s", (int)dl, p);
		if (!slash || !dl)
			snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
		int e = !stat(p, &st) && S_ISDIR(st.st_mode) ? EISDIR
		        : access(dir, W_OK | X_OK)           ? errno
		                                             : 0;
		if (e) {
			fprintf(stderr, "wirekit scan: %s: %s\n", p, strerror(e));
			return 1;
		}
	}
	return 0;
}

/* Whether a packet socket opens (CAP_NET_RAW), before the record's file is made. */
static bool capture_allowed(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int scan_open_prepare(struct scan_cli *c, const char *pcapng, const char *user, bool append)
{
	char msg[128];
	struct wk_error e = {0};
	c->resume_fd = -1;
	c->user = user ? user : "nobody";
	c->drop = user ? strcmp(user, "root") != 0 : geteuid() == 0;
	if (c->drop && cli_user_find(c->user, &c->uid, &c->gid, msg, sizeof(msg))) {
		fprintf(stderr, "wirekit scan: -Z %s: %s\n", c->user, msg);
		return 2;
	}
	if (pcapng) {
		/* the kernel sends a connect scan's packets: they are recorded from a capture */
		if (c->o.type == WK_SCAN_CONNECT && !capture_allowed()) {
			fprintf(stderr, "wirekit scan: --pcapng with a connect scan (-sT) captures "
			                "its packets: that needs CAP_NET_RAW (root)\n");
			return 3;
		}
		c->record = wk_scan_record_open(pcapng, append, &e);
		if (!c->record) {
			fprintf(stderr, "wirekit scan: --pcapng %s: %s\n", pcapng, e.msg);
			return 1;
		}
		c->record_path = pcapng;
		c->o.record = c->record;
	}
	if (c->drop && c->resume_file) {
		c->resume_fd = open(c->resume_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (c->resume_fd < 0) {
			fprintf(stderr, "wirekit scan: %s: %s\n", c->resume_file, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int on_open(void *ctx, struct wk_error *err)
{
	struct scan_cli *c = ctx;
	char msg[128];
	if (!c->drop)
		return 0;
	if (cli_drop_to(c->uid, c->gid, msg, sizeof(msg)))
		return wk_seterr(err, WK_EPERM, "-Z %s: %s", c->user, msg);
	return 0;
}

int scan_open_before_run(struct scan_cli *c)
{
	/* every scan calls it once what needs root is open: the raw engine's sockets, the
	 * connect scan's capture for --pcapng (-sT -sU: before its raw UDP phase) */
	c->o.on_open = on_open;
	return 0;
}

int scan_open_close(struct scan_cli *c)
{
	struct wk_error e = {0};
	int rc = 0;
	if (c->record && wk_scan_record_close(c->record, &e)) {
		fprintf(stderr, "wirekit scan: --pcapng %s: %s\n", c->record_path, e.msg);
		rc = 1;
	}
	c->record = NULL;
	c->o.record = NULL;
	if (c->resume_fd >= 0)
		close(c->resume_fd);
	c->resume_fd = -1;
	return rc;
}

/* ---- -sS -sU ----------------------------------------------------------------------------- */

bool scan_mix_type(enum wk_scan_type *type, bool *udp, bool set, enum wk_scan_type t)
{
	/* the connect scan too: -sT -sU is connects for TCP, the raw engine for UDP */
	bool tcp_raw = t == WK_SCAN_SYN || t == WK_SCAN_ACK || t == WK_SCAN_CONNECT;
	if (!set)
		return false;
	if (t == WK_SCAN_UDP &&
	    (*type == WK_SCAN_SYN || *type == WK_SCAN_ACK || *type == WK_SCAN_CONNECT)) {
		*udp = true;
		return true;
	}
	if (tcp_raw && *type == WK_SCAN_UDP) {
		*type = t;
		*udp = true;
		return true;
	}
	if (tcp_raw && *udp)
		return *type == t;
	return false;
}

unsigned scan_mix_protos(enum wk_scan_type type, bool udp)
{
	if (type == WK_SCAN_UDP)
		return 1u << WK_SP_UDP;
	return 1u << WK_SP_TCP | (udp ? 1u << WK_SP_UDP : 0);
}

void scan_mix_fit(struct wk_ports *ports, unsigned protos)
{
	static const char *const prefix[WK_SP_NPROTO] = {"T:", "U:", "S:"};
	static const char *const flag[WK_SP_NPROTO] = {"a TCP scan", "UDP scan with -sU",
	                                               "SCTP scan"};
	bool warned[WK_SP_NPROTO] = {false};
	uint32_t n = 0;
	for (uint32_t i = 0; i < ports->n; i++) {
		uint8_t p = ports->v[i].proto;
		if (p < WK_SP_NPROTO && protos >> p & 1) {
			ports->v[n++] = ports->v[i];
			continue;
		}
		if (p < WK_SP_NPROTO && !warned[p]) {
			fprintf(stderr,
			        "wirekit scan: WARNING: the ports include \"%s\" but you have not "
			        "asked for %s: left out\n",
			        prefix[p], flag[p]);
			warned[p] = true;
		}
	}
	ports->n = n;
}
