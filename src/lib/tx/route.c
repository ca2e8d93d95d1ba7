/* Routes and interfaces for wirekit send and scan. The source address comes from the
 * kernel's own route choice (a connected UDP socket sends nothing; getsockname tells the
 * address, RFC 6724 selection included for IPv6); the interface is the one holding it. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wirekit/addr.h"
#include "wirekit/send.h"

#include "tx/tx_int.h"

int wk_route_src(int family, const uint8_t *dst, uint8_t *src, char *ifname, struct wk_error *err)
{
	char as[WK_IP6_STRLEN];
	int rc = 0;
	struct ifaddrs *ifa = NULL;
	if (family != AF_INET && family != AF_INET6)
		return wk_seterr(err, WK_EINVAL, "address family %d", family);
	tx_addr_str(family, dst, as);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return wk_seterr_sys(err, errno, "socket");
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(9);
		memcpy(&in->sin_addr, dst, 4);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(9);
		memcpy(&in6->sin6_addr, dst, 16);
		sl = sizeof(*in6);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl)) {
		rc = wk_seterr_sys(err, errno, "no route to %s", as);
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		rc = wk_seterr_sys(err, errno, "getsockname");
		goto out;
	}
	if (family == AF_INET)
		memcpy(src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	if (!ifname)
		goto out;
	ifname[0] = '\0';
	if (getifaddrs(&ifa)) {
		rc = wk_seterr_sys(err, errno, "getifaddrs");
		goto out;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		const void *a =
		    family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!memcmp(a, src, tx_alen(family))) {
			snprintf(ifname, WK_IFNAME_MAX, "%s", i->ifa_name);
			break;
		}
	}
	if (!ifname[0])
		rc = wk_seterr(err, WK_ENOTFOUND, "no interface holds the source address for %s",
		               as);
out:
	if (ifa)
		freeifaddrs(ifa);
	close(fd);
	return rc;
}

int wk_iface_mac(const char *ifname, uint8_t mac[6], int *ifindex, struct wk_error *err)
{
	struct ifreq ifr;
	int rc = 0;
	if (!ifname || strlen(ifname) >= sizeof(ifr.ifr_name))
		return wk_seterr(err, WK_EINVAL, "bad interface name");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return wk_seterr_sys(err, errno, "socket");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		rc = wk_seterr_sys(err, errno, "interface %s", ifname);
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ifindex) {
		if (ioctl(fd, SIOCGIFINDEX, &ifr)) {
			rc = wk_seterr_sys(err, errno, "interface %s", ifname);
			goto out;
		}
		*ifindex = ifr.ifr_ifindex;
	}
out:
	close(fd);
	return rc;
}
