/* Neighbours for wirekit send and scan: the link address of a next hop comes from the
 * kernel table over rtnetlink (RTM_GETNEIGH dump, read with the bounded cursor), else from
 * an ARP request (RFC 826) or a neighbour solicitation (RFC 4861 4.3) built with wk_build. */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wirekit/addr.h"
#include "wirekit/build.h"
#include "wirekit/cursor.h"
#include "wirekit/send.h"

#include "tx/tx_int.h"

/* The kernel's neighbour entry for addr on ifindex: 1 found, 0 not, < 0 error. */
static int neigh_lookup(int ifindex, int family, const uint8_t *addr, uint8_t mac[6],
                        struct wk_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return wk_seterr_sys(err, errno, "netlink");
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.nd.ndm_family = (uint8_t)family;
	int found = 0;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		found = wk_seterr_sys(err, errno, "netlink send");
		goto out;
	}
	static const uint16_t ok_states =
	    NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
	uint8_t buf[16384];
	for (bool done = false; !done;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		struct wk_rd r;
		wk_rd_init(&r, buf, (size_t)n);
		/* netlink(7): host-order headers, 4-byte aligned; read field by field */
		while (wk_rd_left(&r) >= 16 && !done) {
			const uint8_t *h = r.cur;
			uint32_t len;
			uint16_t type;
			memcpy(&len, h, 4);
			memcpy(&type, h + 4, 2);
			if (len < 16 || len > wk_rd_left(&r))
				break;
			struct wk_rd m = wk_rd_sub(&r, len, NULL);
			wk_rd_skip(&r, ((len + 3) & ~3u) - len <= wk_rd_left(&r)
			                   ? ((len + 3) & ~3u) - len
			                   : 0);
			if (type == NLMSG_DONE || type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (type != RTM_NEWNEIGH || !wk_rd_skip(&m, 16))
				continue;
			const uint8_t *nd = wk_rd_bytes(&m, sizeof(struct ndmsg));
			if (!nd)
				continue;
			struct ndmsg ndm;
			memcpy(&ndm, nd, sizeof(ndm));
			if (ndm.ndm_ifindex != ifindex || ndm.ndm_family != family ||
			    !(ndm.ndm_state & ok_states))
				continue;
			bool dst_ok = false, have_ll = false;
			uint8_t ll[6];
			while (wk_rd_left(&m) >= 4) {
				uint16_t alen16, atype;
				memcpy(&alen16, m.cur, 2);
				memcpy(&atype, m.cur + 2, 2);
				if (alen16 < 4 || alen16 > wk_rd_left(&m))
					break;
				struct wk_rd a = wk_rd_sub(&m, alen16, NULL);
				size_t pad = ((alen16 + 3u) & ~3u) - alen16;
				wk_rd_skip(&m, pad <= wk_rd_left(&m) ? pad : wk_rd_left(&m));
				wk_rd_skip(&a, 4);
				size_t pl = wk_rd_left(&a);
				if (atype == NDA_DST && pl == tx_alen(family))
					dst_ok = !memcmp(a.cur, addr, pl);
				else if (atype == NDA_LLADDR && pl == 6) {
					memcpy(ll, a.cur, 6);
					have_ll = true;
				}
			}
			if (dst_ok && have_ll) {
				memcpy(mac, ll, 6);
				found = 1;
			}
		}
	}
out:
	close(fd);
	return found;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int set(struct wk_build *b, unsigned i, const char *f, const char *v, struct wk_error *err)
{
	return wk_build_set_text(b, i, f, v, err);
}

/* An ARP request or a neighbour solicitation for addr, as an Ethernet frame. */
static int solicit(int family, const uint8_t *addr, const uint8_t *src, const uint8_t mymac[6],
                   uint8_t *out, size_t cap, size_t *len, struct wk_error *err)
{
	struct wk_build b;
	char me[WK_MAC_STRLEN], sa[WK_IP6_STRLEN], ta[WK_IP6_STRLEN];
	int rc = 0;
	wk_mac_fmt(me, mymac);
	tx_addr_str(family, src, sa);
	tx_addr_str(family, addr, ta);
	wk_build_init(&b);
	const struct wk_proto *eth = wk_proto_find("eth");
	if (family == AF_INET) {
		const struct wk_proto *arp = wk_proto_find("arp");
		if (!eth || !arp)
			return wk_seterr(err, WK_EUNSUP, "no ARP encoder");
		if ((rc = wk_build_add(&b, eth, err)) < 0 ||
		    (rc = wk_build_add(&b, arp, err)) < 0 ||
		    (rc = set(&b, 0, "eth.src", me, err)) ||
		    (rc = set(&b, 1, "arp.op", "1", err)) ||
		    (rc = set(&b, 1, "arp.hwsrc", me, err)) ||
		    (rc = set(&b, 1, "arp.psrc", sa, err)) ||
		    (rc = set(&b, 1, "arp.pdst", ta, err)))
			return rc;
		return wk_build_encode(&b, out, cap, len, err);
	}
	/* RFC 4861 4.3: to the solicited-node multicast address ff02::1:ffXX:XXXX, hop limit
	 * 255, with our link-layer address as the Source Link-Layer Address option (type 1,
	 * length 1 unit of 8 bytes). */
	const struct wk_proto *ip6 = wk_proto_find("ipv6"), *icmp6 = wk_proto_find("icmp6");
	if (!eth || !ip6 || !icmp6)
		return wk_seterr(err, WK_EUNSUP, "no IPv6 encoder");
	uint8_t sn[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	memcpy(sn + 13, addr + 13, 3);
	char sns[WK_IP6_STRLEN], mc[WK_MAC_STRLEN];
	uint8_t mcm[6] = {0x33, 0x33, 0xff, addr[13], addr[14], addr[15]};
	wk_ip6_fmt(sns, sn);
	wk_mac_fmt(mc, mcm);
	uint8_t opt[8] = {1, 1};
	memcpy(opt + 2, mymac, 6);
	if ((rc = wk_build_add(&b, eth, err)) < 0 || (rc = wk_build_add(&b, ip6, err)) < 0 ||
	    (rc = wk_build_add(&b, icmp6, err)) < 0 || (rc = set(&b, 0, "eth.src", me, err)) ||
	    (rc = set(&b, 0, "eth.dst", mc, err)) || (rc = set(&b, 1, "ipv6.src", sa, err)) ||
	    (rc = set(&b, 1, "ipv6.dst", sns, err)) || (rc = set(&b, 1, "ipv6.hlim", "255", err)) ||
	    (rc = set(&b, 2, "icmp6.type", "135", err)) ||
	    (rc = set(&b, 2, "icmp6.tgt", ta, err)) ||
	    (rc = wk_build_payload(&b, 2, opt, sizeof(opt), err)))
		return rc;
	return wk_build_encode(&b, out, cap, len, err);
}

/* Does frame p answer our solicitation for addr? Then its sender MAC is the answer. */
static bool is_answer(int family, const uint8_t *addr, const uint8_t *p, size_t n, uint8_t mac[6])
{
	struct wk_rd r;
	wk_rd_init(&r, p, n);
	const uint8_t *eh = wk_rd_bytes(&r, 14);
	if (!eh)
		return false;
	uint16_t type = (uint16_t)(eh[12] << 8 | eh[13]);
	if (family == AF_INET) {
		/* RFC 826: htype 1, ptype 0x0800, 6, 4, op 2 (reply), sha, spa, tha, tpa */
		const uint8_t *a = wk_rd_bytes(&r, 28);
		if (type != ETH_P_ARP || !a || a[7] != 2 || memcmp(a + 14, addr, 4))
			return false;
		memcpy(mac, a + 8, 6);
		return true;
	}
	const uint8_t *ip = wk_rd_bytes(&r, 40);
	const uint8_t *na = wk_rd_bytes(&r, 24);
	if (type != ETH_P_IPV6 || !ip || !na || ip[6] != 58 || na[0] != 136 ||
	    memcmp(na + 8, addr, 16))
		return false;
	memcpy(mac, eh + 6, 6);
	return true;
}

int wk_neigh_resolve(const char *ifname, int family, const uint8_t *addr, const uint8_t *src,
                     uint8_t mac[6], int timeout_ms, struct wk_error *err)
{
	uint8_t mymac[6], frame[128], buf[2048];
	size_t flen = 0;
	int ifindex = 0, rc, fd = -1;
	char as[WK_IP6_STRLEN];
	tx_addr_str(family, addr, as);
	rc = wk_iface_mac(ifname, mymac, &ifindex, err);
	if (rc)
		return rc;
	rc = neigh_lookup(ifindex, family, addr, mac, err);
	if (rc)
		return rc < 0 ? rc : 0;
	rc = solicit(family, addr, src, mymac, frame, sizeof(frame), &flen, err);
	if (rc)
		return rc;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
	            htons(family == AF_INET ? ETH_P_ARP : ETH_P_IPV6));
	if (fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			return wk_seterr(err, WK_EPERM, "raw sockets need root or CAP_NET_RAW");
		return wk_seterr_sys(err, e, "packet socket");
	}
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	                          .sll_ifindex = ifindex,
	                          .sll_protocol =
	                              htons(family == AF_INET ? ETH_P_ARP : ETH_P_IPV6)};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		rc = wk_seterr_sys(err, errno, "bind to %s", ifname);
		goto out;
	}
	uint64_t end = now_ms() + (uint64_t)timeout_ms, next = 0;
	rc = wk_seterr(err, WK_ETIMEOUT, "%s: no answer to %s for %s on %s",
	               family == AF_INET ? "ARP" : "NDP",
	               family == AF_INET ? "who-has" : "neighbor solicitation", as, ifname);
	for (uint64_t t = now_ms(); t < end; t = now_ms()) {
		if (t >= next) {
			struct sockaddr_ll to = sll;
			to.sll_halen = 6;
			memcpy(to.sll_addr, frame, 6);
			if (sendto(fd, frame, flen, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				rc = wk_seterr_sys(err, errno, "send on %s", ifname);
				goto out;
			}
			next = t + 300; /* ask again, as the kernel does (RFC 4861 10) */
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t wait = (next < end ? next : end) - t;
		if (poll(&pfd, 1, (int)wait) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 && is_answer(family, addr, buf, (size_t)n, mac)) {
			rc = 0;
			break;
		}
	}
out:
	close(fd);
	return rc;
}
