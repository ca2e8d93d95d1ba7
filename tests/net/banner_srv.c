/* banner_srv: the AnyIP banner lab's server for bench/service.sh. Listens on 0.0.0.0:PORT
 * (with `ip route add local 198.19.0.0/16 dev lo` it answers for every address of the
 * block), greets each connection with "220 wkbench <address> ready\r\n" and closes it, so
 * a banner grabber can tell which host answered. Runs until killed (by PID).
 *   banner_srv PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long port = argc == 2 ? strtoul(argv[1], NULL, 10) : 0;
	if (port == 0 || port > 65535) {
		fprintf(stderr, "usage: banner_srv PORT\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 65535)) {
		perror("banner_srv");
		return 1;
	}
	for (;;) {
		struct sockaddr_in me;
		socklen_t l = sizeof(me);
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		char msg[64], ip[INET_ADDRSTRLEN] = "?";
		if (!getsockname(c, (struct sockaddr *)&me, &l))
			inet_ntop(AF_INET, &me.sin_addr, ip, sizeof(ip));
		int n = snprintf(msg, sizeof(msg), "220 wkbench %s ready\r\n", ip);
		(void)!write(c, msg, (size_t)n);
		close(c);
	}
}
