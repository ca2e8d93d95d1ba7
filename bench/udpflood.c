/* udpflood DST PORT PPS SECONDS [SIZE]: UDP datagrams at a steady rate with sendmmsg,
 * for bench/sniff.sh (run only inside its namespace lab). Prints the number sent. PPS 0
 * sends as fast as it can. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: udpflood DST PORT PPS SECONDS [SIZE]\n");
		return 2;
	}
	struct sockaddr_in dst = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10))};
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		return 2;
	double pps = strtod(argv[3], NULL), secs = strtod(argv[4], NULL);
	size_t size = argc > 5 ? strtoul(argv[5], NULL, 10) : 18;
	static char payload[1472];
	if (size > sizeof(payload))
		size = sizeof(payload);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("socket");
		return 1;
	}
	int sb = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	struct iovec iov = {.iov_base = payload, .iov_len = size};
	struct mmsghdr m[BATCH];
	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double t0 = now(), end = t0 + secs;
	for (;;) {
		double t = now();
		unsigned n = BATCH;
		if (t >= end)
			break;
		if (pps > 0) {
			double due = (t - t0) * pps - (double)sent;
			if (due < BATCH)
				n = (unsigned)due;
			if (n == 0) {
				struct timespec d = {0, 20000};
				nanosleep(&d, NULL);
				continue;
			}
		}
		int k = sendmmsg(fd, m, n, 0);
		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned)k;
	}
	printf("%llu\n", sent);
	return 0;
}
