/* Harness for wirekit scan's resume file and its journal (src/cli/scan_resume.c): the input
 * is written as a resume file FILE and as its journal FILE.done, and both are read. A resume
 * file that loads is saved again and must load back the same; a journal that loads holds
 * every whole record of the input. Files live in a directory on tmpfs when there is one (the
 * save fsyncs), removed after each input. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path_r[96], path_j[96], path_s[96];

static void dir_remove(void)
{
	rmdir(dir);
}

static bool dir_make(void)
{
	if (dir[0])
		return true;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/wk_fuzz_scanresume_XXXXXX", base);
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		return false;
	}
	snprintf(path_r, sizeof(path_r), "%s/r", dir);
	snprintf(path_j, sizeof(path_j), "%s/r.done", dir);
	snprintf(path_s, sizeof(path_s), "%s/s", dir);
	atexit(dir_remove);
	return true;
}

static bool put(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	bool ok = write(fd, data, size) == (ssize_t)size;
	return close(fd) == 0 && ok;
}

static void check_resume(void)
{
	struct scan_resume r;
	if (scan_resume_load(path_r, &r))
		return;
	if (r.decided > r.pos || r.argc < 1 || strcmp(r.argv[0], "scan") || r.argv[r.argc])
		abort();
	/* what loads saves and loads back the same */
	struct scan_cli c;
	memset(&c, 0, sizeof(c));
	c.resume_fd = c.journal_fd = -1;
	c.o.seed = r.seed;
	c.argc = r.argc;
	c.argv = r.argv;
	if (scan_resume_save(&c, path_s, r.pos, r.decided))
		abort();
	struct scan_resume b;
	if (scan_resume_load(path_s, &b))
		abort();
	if (b.seed != r.seed || b.pos != r.pos || b.decided != r.decided || b.argc != r.argc)
		abort();
	for (int i = 0; i < r.argc; i++)
		if (strcmp(b.argv[i], r.argv[i]))
			abort();
	scan_resume_free(b.argc, b.argv);
	scan_resume_end(&b);
	scan_resume_free(r.argc, r.argv);
	scan_resume_end(&r);
	unlink(path_s);
}

static void check_journal(const uint8_t *data, size_t size)
{
	struct scan_cli c;
	memset(&c, 0, sizeof(c));
	c.resume_fd = c.journal_fd = -1;
	static const struct scan_resume nors;
	int rc = scan_journal_load(&c, path_r, &nors);
	if (rc != 0 && rc != 2)
		abort();
	if (rc == 0 && (size >= 24) != (c.done != NULL))
		abort(); /* NULL exactly when there is no whole record */
	for (size_t off = 0; rc == 0 && off + 24 <= size; off += 24) {
		const uint8_t *p = data + off;
		struct wk_scan_addr a;
		a.family = p[0] == 6 ? AF_INET6 : AF_INET;
		memcpy(a.b, p + 8, 16);
		if (!scan_journal_has(&c, &a, p[1], (uint16_t)(p[4] << 8 | p[5])))
			abort();
	}
	scan_journal_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536 || !dir_make())
		return 0;
	if (put(path_r, data, size))
		check_resume();
	if (put(path_j, data, size))
		check_journal(data, size);
	unlink(path_r);
	unlink(path_j);
	return 0;
}
