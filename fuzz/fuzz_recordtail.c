/* Harness for the block walk that decides where a resumed scan appends to its --pcapng
 * record (scan/record_tail.c). The input is the file. The walk must give one answer at
 * every chunk size (the chunk edges fall at other places in each header and trailer); a
 * kept end lies in the file on a 4-byte boundary, after an SHB when it is not 0, and the
 * file cut there walks whole to the same end; a refusal is WK_EINVAL with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scan/scan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_recordtail: %s\n", what);
		abort();
	}
}

static int file_with(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_recordtail", MFD_CLOEXEC);
	size_t off = 0;
	while (fd >= 0 && off < size) {
		ssize_t k = write(fd, data + off, size - off);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (fd >= 0 && off != size) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[] = {65536, 0, 16, 28, 44, 100};
	int fd = file_with(data, size);
	if (fd < 0)
		return 0;
	struct wk_error e0, e;
	uint64_t end0 = UINT64_MAX;
	int rc0 = scan_record_whole_end(fd, size, chunks[0], &end0, &e0);
	for (size_t i = 1; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		uint64_t end = UINT64_MAX;
		int rc = scan_record_whole_end(fd, size, chunks[i], &end, &e);
		check(rc == rc0, "chunk sizes give other results");
		check(rc || end == end0, "chunk sizes give other ends");
		check(!rc || strcmp(e.msg, e0.msg) == 0, "chunk sizes give other messages");
	}
	close(fd);
	if (rc0) {
		check(rc0 == WK_EINVAL && e0.msg[0], "refused without WK_EINVAL and a message");
		return 0;
	}
	check(end0 <= size && end0 % 4 == 0, "end outside the file or unaligned");
	check(size >= 12, "a file too short for an SHB kept");
	check(end0 == 0 ||
	          (data[0] == 0x0a && data[1] == 0x0d && data[2] == 0x0d && data[3] == 0x0a),
	      "kept blocks without an SHB first");
	/* the file cut there is whole (or empty) */
	if (end0 >= 12) {
		fd = file_with(data, (size_t)end0);
		if (fd < 0)
			return 0;
		uint64_t end = UINT64_MAX;
		check(scan_record_whole_end(fd, end0, 16, &end, &e) == 0 && end == end0,
		      "the kept blocks do not walk whole");
		close(fd);
	}
	return 0;
}
