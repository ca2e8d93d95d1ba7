/* Fuzz harness for the pcap/pcapng reader and writer. The input is read from memory and
 * every packet checked to lie inside it; the same input is also read as a stream through
 * a pipe, which must give exactly the same packets, end and message; the packets read are
 * written to a pcapng file and read back unchanged. Any disagreement aborts. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirekit/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROUNDTRIP 2000 /* packets rewritten per input */

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_pcap: %s\n", what);
		abort();
	}
}

static void same_pkt(const struct wk_pkt *a, const struct wk_pkt *b, bool same_number)
{
	check(a->caplen == b->caplen && a->wirelen == b->wirelen, "lengths differ");
	check(a->ts_sec == b->ts_sec && a->ts_nsec == b->ts_nsec, "timestamps differ");
	check(a->linktype == b->linktype, "link types differ");
	check(!same_number || a->number == b->number, "numbers differ");
	check(a->caplen == 0 || memcmp(a->data, b->data, a->caplen) == 0, "data differ");
}

/* A pipe holding the whole input (a thread-free stream), or -1 when it does not fit. */
static int pipe_with(const uint8_t *data, size_t size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	long cap = fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (cap < 0)
		cap = fcntl(p[1], F_GETPIPE_SZ);
	size_t off = 0;
	if (cap > 0 && size <= (size_t)cap) {
		while (off < size) {
			ssize_t k = write(p[1], data + off, size - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	close(p[1]);
	if (off != size) {
		close(p[0]);
		return -1;
	}
	return p[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wk_error e1, e2;
	struct wk_pcap_reader *m = wk_pcap_open_mem(data, size, &e1);
	int pfd = pipe_with(data, size);
	struct wk_pcap_reader *s = NULL;
	if (pfd >= 0) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/fd/%d", pfd);
		s = wk_pcap_open(path, &e2);
		check((s == NULL) == (m == NULL), "stream and memory open differ");
		if (!m)
			check(strcmp(e1.msg, e2.msg) == 0 && e1.code == e2.code,
			      "stream and memory open errors differ");
	}
	if (!m) {
		check(e1.code < 0 && e1.msg[0], "open failed without a message");
		if (pfd >= 0)
			close(pfd);
		return 0;
	}

	/* The rewrite target: a pcapng file in memory, nanosecond timestamps, any link type
	 * the input names (pcapng holds 16 bits). */
	int wfd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	struct wk_pcap_writer *w = NULL;
	int lt = wk_pcap_linktype(m);
	if (wfd >= 0 && lt >= 0 && lt <= 0xffff) {
		struct wk_pcap_wopts o = {.format = WK_PCAP_FMT_PCAPNG,
		                          .linktype = (uint32_t)lt,
		                          .snaplen = 0xffffffffu,
		                          .nsec = true,
		                          .app = "fuzz"};
		w = wk_pcap_wopen_fd(wfd, &o, &e1);
		check(w != NULL, "writer open failed");
	}
	uint64_t written = 0;

	int rc;
	struct wk_pkt p, q;
	do {
		rc = wk_pcap_next(m, &p);
		if (s) {
			int rs = wk_pcap_next(s, &q);
			check(rs == rc, "stream and memory results differ");
			if (rc == 0)
				same_pkt(&p, &q, true);
			check(wk_pcap_offset(s) == wk_pcap_offset(m), "offsets differ");
		}
		if (rc != 0)
			break;
		check(p.data >= data && p.caplen <= size &&
		          p.data - data <= (ptrdiff_t)(size - p.caplen),
		      "packet outside the input");
		check(p.ts_nsec < 1000000000u, "ts_nsec out of range");
		check(p.number == wk_pcap_count(m), "number is not the count");
		if (w && written < MAX_ROUNDTRIP && p.linktype <= 0xffff && p.ts_sec >= 0 &&
		    (uint64_t)p.ts_sec < UINT64_MAX / 1000000000u - 1) {
			check(wk_pcap_write(w, &p, written % 2 ? "comment" : NULL) == 0,
			      "write failed");
			written++;
		}
	} while (rc == 0);
	check(rc < 0 && rc == wk_pcap_error(m)->code && wk_pcap_error(m)->msg[0],
	      "end without a code and message");
	check(wk_pcap_next(m, &p) == rc, "end is not sticky");
	if (s)
		check(strcmp(wk_pcap_error(s)->msg, wk_pcap_error(m)->msg) == 0,
		      "stream and memory messages differ");

	if (w) {
		check(wk_pcap_wclose(w) == 0, "writer close failed");
		off_t len = lseek(wfd, 0, SEEK_END);
		void *map =
		    len > 0 ? mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, wfd, 0) : MAP_FAILED;
		check(map != MAP_FAILED, "rewritten file missing");
		struct wk_pcap_reader *back = wk_pcap_open_mem(map, (size_t)len, &e1);
		check(back != NULL, "rewritten file does not open");
		wk_pcap_close(m);
		m = wk_pcap_open_mem(data, size, &e2);
		check(m != NULL, "reopen failed");
		for (uint64_t i = 0; i < written;) {
			check(wk_pcap_next(m, &p) == 0, "reread failed");
			if (p.linktype > 0xffff || p.ts_sec < 0 ||
			    (uint64_t)p.ts_sec >= UINT64_MAX / 1000000000u - 1)
				continue; /* was skipped */
			check(wk_pcap_next(back, &q) == 0, "rewritten packet missing");
			same_pkt(&p, &q, false);
			i++;
		}
		check(wk_pcap_next(back, &q) == WK_EEOF, "rewritten file has more");
		wk_pcap_close(back);
		munmap(map, (size_t)len);
	}
	if (wfd >= 0)
		close(wfd);
	wk_pcap_close(s);
	if (pfd >= 0)
		close(pfd);
	wk_pcap_close(m);
	return 0;
}
