/* The kernel's Unix socket table through NETLINK_SOCK_DIAG (unix_diag, linux/unix_diag.h):
 * a unix_diag_msg per socket (family, type, state, inode, cookie) and the attributes asked
 * for (name, socket file, peer, queues, shutdown, uid). Parsed with the bounded cursor. */
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sock_int.h"
#include "wirekit/cursor.h"
#include "wirekit/sock.h"

#define NLHDR_LEN    16u
#define UREQ_LEN     24u /* unix_diag_req */
#define UMSG_LEN     16u /* unix_diag_msg */
#define NL_ALIGN4(n) (((n) + 3u) & ~3u)

static uint16_t rd_h16(struct wk_rd *r)
{
	uint16_t v = 0;
	wk_rd_copy(r, &v, sizeof(v));
	return v;
}

static void set_name(struct wk_sockaddr *a, struct wk_rd *v)
{
	struct sockaddr_un *u = (struct sockaddr_un *)&a->ss;
	size_t n = wk_rd_left(v);
	if (n > sizeof(u->sun_path))
		n = sizeof(u->sun_path);
	wk_rd_copy(v, u->sun_path, n);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

static int unix_parse(struct wk_rd *r, const void *pctx, struct wk_sockinfo *s)
{
	(void)pctx;
	if (wk_rd_left(r) < UMSG_LEN)
		return 1;
	memset(s, 0, sizeof(*s));
	s->family = wk_rd_u8(r);
	s->type = wk_rd_u8(r);
	s->state = wk_rd_u8(r);
	wk_rd_skip(r, 1);
	s->inode = sockdiag_rd_h32(r);
	uint32_t ck0 = sockdiag_rd_h32(r), ck1 = sockdiag_rd_h32(r);
	s->cookie = (uint64_t)ck1 << 32 | ck0;
	if (r->bad || s->family != AF_UNIX)
		return 1;
	struct sockaddr_un *lu = (struct sockaddr_un *)&s->local.ss;
	lu->sun_family = AF_UNIX;
	s->local.len = sizeof(sa_family_t);
	s->peer.ss.ss_family = AF_UNIX;
	s->peer.len = sizeof(sa_family_t);
	s->uid = UINT32_MAX;
	while (wk_rd_left(r) >= 4) {
		uint16_t len = rd_h16(r);
		uint16_t type = rd_h16(r);
		if (len < 4)
			break;
		struct wk_rd v = wk_rd_sub(r, len - 4u, NULL);
		switch (type) {
		case UNIX_DIAG_NAME:
			set_name(&s->local, &v);
			break;
		case UNIX_DIAG_VFS:
			s->vfs_ino = sockdiag_rd_h32(&v);
			s->vfs_dev = sockdiag_rd_h32(&v);
			break;
		case UNIX_DIAG_PEER:
			s->peer_inode = sockdiag_rd_h32(&v);
			break;
		case UNIX_DIAG_RQLEN:
			s->rqueue = sockdiag_rd_h32(&v);
			s->wqueue = sockdiag_rd_h32(&v);
			break;
		case UNIX_DIAG_SHUTDOWN:
			s->shutdown = wk_rd_u8(&v);
			break;
#ifdef UDIAG_SHOW_UID /* UNIX_DIAG_UID is an enum member: test the request flag */
		case UNIX_DIAG_UID:
			s->uid = sockdiag_rd_h32(&v);
			break;
#endif
		default:
			break;
		}
		size_t pad = NL_ALIGN4(len) - len;
		wk_rd_skip(r, pad < wk_rd_left(r) ? pad : wk_rd_left(r));
	}
	return 0;
}

int wk_sockdiag_dump_unix(uint32_t states, wk_sockdiag_fn fn, void *ctx, struct wk_error *e)
{
	uint8_t req[NLHDR_LEN + UREQ_LEN];
	struct wk_wr w;
	uint32_t show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
#ifdef UDIAG_SHOW_UID
	show |= UDIAG_SHOW_UID;
#endif
	uint32_t v;
	wk_wr_init(&w, req, sizeof(req));
	v = sizeof(req);
	wk_wr_bytes(&w, &v, 4);
	uint16_t t = SOCK_DIAG_BY_FAMILY, fl = NLM_F_REQUEST | NLM_F_DUMP;
	wk_wr_bytes(&w, &t, 2);
	wk_wr_bytes(&w, &fl, 2);
	v = 1;
	wk_wr_bytes(&w, &v, 4); /* seq */
	wk_wr_zero(&w, 4);      /* pid: the kernel */
	wk_wr_u8(&w, AF_UNIX);
	wk_wr_zero(&w, 3);
	wk_wr_bytes(&w, &states, 4);
	wk_wr_zero(&w, 4); /* any inode */
	wk_wr_bytes(&w, &show, 4);
	wk_wr_bytes(&w, (const uint32_t[2]){UINT32_MAX, UINT32_MAX}, 8); /* no cookie */
	if (w.bad)
		return wk_seterr(e, WK_EINVAL, "unix_diag request");
	return sockdiag_run(req, sizeof(req), unix_parse, NULL, fn, ctx, e);
}
