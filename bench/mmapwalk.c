/* The floor for reading a pcap: mmap it and walk the record headers, nothing else. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return 1;
	const uint8_t *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise((void *)p, (size_t)st.st_size, MADV_SEQUENTIAL);
	size_t off = 24, n = 0, bytes = 0;
	while (off + 16 <= (size_t)st.st_size) {
		uint32_t incl;
		memcpy(&incl, p + off + 8, 4);
		off += 16 + incl;
		bytes += incl;
		n++;
	}
	printf("%zu packets %zu bytes\n", n, bytes);
	return 0;
}
