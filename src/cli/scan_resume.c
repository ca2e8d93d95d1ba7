/* wirekit scan, resuming: the resume file (seed, shard, position, options; written to a
 * temporary name and renamed, so a kill at any moment leaves the old or the new file, never
 * half of one) and its journal, FILE.done.
 *
 * Positions before the resume file's "decided" have every verdict reported; positions
 * between it and "position" were sent, but a raw scan reports its silent ones only at the
 * end of a phase. After a kill the journal says which of those the interrupted scan did
 * report: one record per result, written as the result is (after the outputs), so the
 * resumed scan neither probes nor reports them again and decides the others
 * (wk_scan_opts.resume_from, reported). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "scan_cli.h"
#include "wirekit/cursor.h"

/* A journal record: family (4 or 6), proto, state, reason, port (big endian), two zero
 * bytes, the address (16 bytes, IPv4 in the first 4). */
#define JREC 24

/* ---- the resume file --------------------------------------------------------------------- */

static void resume_write(const struct scan_cli *c, FILE *f, const char *path, uint64_t pos,
                         uint64_t decided, bool fixed)
{
	fprintf(f, "# wirekit scan resume file: wirekit scan --resume %s\n", path);
	fprintf(f, "seed=%" PRIu64 "\nshard=%u/%u\n", c->o.seed, c->o.shard_of ? c->o.shard_k : 1,
	        c->o.shard_of ? c->o.shard_of : 1);
	int digits = fprintf(f, "position=%" PRIu64, pos) - 9;
	fputc('\n', f);
	digits += fprintf(f, "decided=%" PRIu64, decided) - 8;
	fputc('\n', f);
	if (c->complete)
		fputs("complete=yes\n", f);
	char cwd[4096];
	if (getcwd(cwd, sizeof(cwd)) && !strchr(cwd, '\n'))
		fprintf(f, "dir=%s\n", cwd);
	for (int i = 1; i < c->argc; i++)
		if (!strchr(c->argv[i], '\n'))
			fprintf(f, "arg=%s\n", c->argv[i]);
	/* fixed: a comment pads the text to the same length whatever the numbers */
	if (fixed)
		fprintf(f, "#%*s\n", 40 - digits, "");
}

/* After -Z the directory may not be ours: the file opened before the drop is rewritten in
 * place, one pwrite of a text of constant length. */
static int resume_in_place(const struct scan_cli *c, const char *path, uint64_t pos,
                           uint64_t decided)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	resume_write(c, f, path, pos, decided, true);
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	bool bad = pwrite(c->resume_fd, buf, len, 0) != (ssize_t)len ||
	           ftruncate(c->resume_fd, (off_t)len) || fsync(c->resume_fd);
	free(buf);
	return bad ? -1 : 0;
}

int scan_resume_save(const struct scan_cli *c, const char *path, uint64_t pos, uint64_t decided)
{
	if (c->resume_fd >= 0 && c->resume_file && !strcmp(path, c->resume_file))
		return resume_in_place(c, path, pos, decided);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -1;
	resume_write(c, f, path, pos, decided, false);
	bool bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int scan_resume_load(const char *path, struct scan_resume *out)
{
	FILE *f = fopen(path, "re");
	char *line = NULL; /* a stored option may be long: -p with thousands of ports */
	size_t cap = 0;
	ssize_t got;
	int n = 1, rc = 0;
	bool have_seed = false, have_pos = false, have_decided = false;
	char **v = calloc(2, sizeof(*v));
	memset(out, 0, sizeof(*out));
	if (!f || !v) {
		free(v);
		if (f)
			fclose(f);
		fprintf(stderr, "wirekit scan: --resume %s: %s\n", path, strerror(errno));
		return 2;
	}
	v[0] = strdup("scan");
	while (!rc && (got = getline(&line, &cap, f)) >= 0) {
		size_t l = (size_t)got;
		if (memchr(line, '\0', l)) {
			fprintf(stderr,
			        "wirekit scan: --resume %s: not a wirekit resume file (binary)\n",
			        path);
			rc = 2;
			break;
		}
		if (l && line[l - 1] == '\n')
			line[--l] = '\0';
		if (l && line[l - 1] == '\r') /* edited on a system that ends lines so */
			line[--l] = '\0';
		if (!l || line[0] == '#' || !strncmp(line, "shard=", 6))
			continue;
		bool *have = !strncmp(line, "seed=", 5)       ? &have_seed
		             : !strncmp(line, "position=", 9) ? &have_pos
		             : !strncmp(line, "decided=", 8)  ? &have_decided
		                                              : NULL;
		if (have) {
			char *eq = strchr(line, '=');
			uint64_t *num = have == &have_seed  ? &out->seed
			                : have == &have_pos ? &out->pos
			                                    : &out->decided;
			if (!(*have = cli_parse_u64(eq + 1, num))) {
				fprintf(
				    stderr,
				    "wirekit scan: --resume %s: '%.60s': not a number from 0 to "
				    "2^64-1\n",
				    path, line);
				rc = 2;
			}
		} else if (!strcmp(line, "complete=yes")) {
			out->complete = true;
		} else if (!strncmp(line, "dir=", 4) && !out->dir) {
			out->dir = strdup(line + 4);
			rc = out->dir ? 0 : 1;
		} else if (!strncmp(line, "arg=", 4)) {
			char **nv = realloc(v, (size_t)(n + 2) * sizeof(*v));
			if (!nv) {
				rc = 1;
				break;
			}
			v = nv;
			v[n] = strdup(line + 4);
			v[++n] = NULL;
		} else {
			fprintf(stderr,
			        "wirekit scan: --resume %s: not a wirekit resume file (the one "
			        "--resume-file or an interrupted scan writes; nmap's -oN/-oG logs "
			        "are not): unexpected line '%.60s'\n",
			        path, line);
			rc = 2;
		}
	}
	fclose(f);
	free(line);
	if (!rc && (!have_seed || !have_pos)) {
		fprintf(stderr, "wirekit scan: --resume %s: no seed or position in it\n", path);
		rc = 2;
	}
	/* written before the journal existed: every position before it was decided */
	out->have_decided = have_decided;
	if (!rc && !have_decided)
		out->decided = out->pos;
	if (!rc && out->decided > out->pos) {
		fprintf(stderr,
		        "wirekit scan: --resume %s: decided=%" PRIu64 " is after position=%" PRIu64
		        "\n",
		        path, out->decided, out->pos);
		rc = 2;
	}
	for (int i = 0; i < n; i++)
		if (!v[i])
			rc = rc ? rc : 1;
	if (rc) {
		scan_resume_free(n, v);
		free(out->dir);
		out->dir = NULL;
		return rc;
	}
	out->argc = n;
	out->argv = v;
	return 0;
}

void scan_resume_free(int argc, char **argv)
{
	for (int i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}

int scan_resume_begin(struct scan_cli *c, const char *file, struct scan_resume *rs)
{
	int rc;
	memset(rs, 0, sizeof(*rs));
	char *abs = realpath(file, NULL);
	if (!abs) {
		fprintf(stderr, "wirekit scan: --resume %s: %s\n", file, strerror(errno));
		return 2;
	}
	if ((rc = scan_resume_load(abs, rs))) {
		free(abs);
		return rc;
	}
	rs->path = abs;
	if (rs->complete) {
		fprintf(stderr,
		        "wirekit scan: --resume %s: that scan is complete (position %" PRIu64
		        "): nothing to resume\n",
		        file, rs->pos);
		return 2;
	}
	if ((rc = scan_journal_load(c, abs, rs)))
		return rc;
	/* no decided= but a journal: a file edited by hand; decide everything again */
	if (!rs->have_decided && c->done)
		rs->decided = 0;
	if (rs->dir && chdir(rs->dir)) {
		fprintf(stderr, "wirekit scan: --resume %s: the scan ran in %s: %s\n", file,
		        rs->dir, strerror(errno));
		return 1;
	}
	return 0;
}

void scan_resume_end(struct scan_resume *rs)
{
	free(rs->dir);
	free(rs->path);
	rs->dir = rs->path = NULL;
}

/* ---- the journal ------------------------------------------------------------------------- */

static char *journal_name(const char *resume_path)
{
	size_t n = strlen(resume_path) + sizeof(".done");
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s.done", resume_path);
	return p;
}

bool scan_journal_has(void *ctx, const struct wk_scan_addr *a, uint8_t proto, uint16_t port)
{
	const struct scan_cli *c = ctx;
	return c->done && wk_results_find(c->done, a, proto, port);
}

int scan_journal_load(struct scan_cli *c, const char *resume_path, const struct scan_resume *rs)
{
	char *path = journal_name(resume_path);
	struct wk_error e = {0};
	int rc = 0;
	if (!path) {
		fprintf(stderr, "wirekit scan: out of memory\n");
		return 1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	if (fd < 0 && errno == ENOENT) {
		if (rs->decided < rs->pos)
			fprintf(
			    stderr,
			    "wirekit scan: no %s: what the interrupted scan reported from position "
			    "%" PRIu64 " on is probed and reported again\n",
			    path, rs->decided);
		goto out;
	}
	if (fd < 0) {
		fprintf(stderr, "wirekit scan: %s: %s\n", path, strerror(errno));
		rc = 1;
		goto out;
	}
	if (fstat(fd, &st) || st.st_size < 0) {
		fprintf(stderr, "wirekit scan: %s: %s\n", path, strerror(errno));
		rc = 1;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "wirekit scan: %s: not a regular file\n", path);
		rc = 2;
		goto out;
	}
	size_t n = (size_t)st.st_size;
	if (!n)
		goto out;
	buf = malloc(n);
	if (!buf || !(c->done = wk_results_new(&e))) {
		fprintf(stderr, "wirekit scan: out of memory\n");
		rc = 1;
		goto out;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	struct wk_rd rd;
	wk_rd_init(&rd, buf, got);
	/* a record cut short by a full disk ends the file: what came before is whole */
	while (wk_rd_left(&rd) >= JREC) {
		struct wk_scan_result r;
		memset(&r, 0, sizeof(r));
		uint8_t fam = wk_rd_u8(&rd);
		if (fam != 4 && fam != 6) {
			fprintf(stderr,
			        "wirekit scan: %s: not a wirekit scan journal (record at byte %zu: "
			        "address family byte %u)\n",
			        path, wk_rd_off(&rd) - 1, fam);
			rc = 2;
			goto out;
		}
		r.addr.family = fam == 4 ? AF_INET : AF_INET6;
		r.proto = wk_rd_u8(&rd);
		r.state = wk_rd_u8(&rd);
		r.reason = wk_rd_u8(&rd);
		r.port = wk_rd_be16(&rd);
		wk_rd_skip(&rd, 2);
		wk_rd_copy(&rd, r.addr.b, 16);
		if (wk_results_add(c->done, &r, &e)) {
			fprintf(stderr,
			        "wirekit scan: %s: not a wirekit scan journal (record at byte %zu: "
			        "%s)\n",
			        path, wk_rd_off(&rd) - JREC, e.msg);
			rc = 2;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	if (c->done && !wk_results_count(c->done)) {
		wk_results_free(c->done);
		c->done = NULL;
	}
	return rc;
}

int scan_journal_open(struct scan_cli *c)
{
	if (!c->resume_file)
		return 0;
	c->journal_path = journal_name(c->resume_file);
	if (!c->journal_path) {
		fprintf(stderr, "wirekit scan: out of memory\n");
		return 1;
	}
	/* a resume after a kill keeps what the interrupted scan reported (it is needed until
	 * this run has decided everything); any other run starts it empty */
	c->journal_fd =
	    open(c->journal_path,
	         O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (c->done ? 0 : O_TRUNC), 0644);
	if (c->journal_fd < 0) {
		fprintf(stderr, "wirekit scan: %s: %s\n", c->journal_path, strerror(errno));
		return 1;
	}
	return 0;
}

void scan_journal_add(struct scan_cli *c, const struct wk_scan_result *r)
{
	if (c->journal_fd < 0)
		return;
	/* once an output failed (a full disk), what follows is not in it: the journal stops,
	 * so a resume after a kill reports those results again instead of leaving them out */
	for (unsigned i = 0; i < c->nouts; i++)
		if (c->outs[i].ob.err) {
			close(c->journal_fd);
			c->journal_fd = -1;
			return;
		}
	/* the positions are ports, or the hosts of -sn */
	if ((r->proto == WK_SCAN_HOST) != (c->o.type == WK_SCAN_NONE))
		return;
	uint8_t rec[JREC];
	struct wk_wr w;
	wk_wr_init(&w, rec, sizeof(rec));
	wk_wr_u8(&w, r->addr.family == AF_INET6 ? 6 : 4);
	wk_wr_u8(&w, r->proto);
	wk_wr_u8(&w, r->state);
	wk_wr_u8(&w, r->reason);
	wk_wr_be16(&w, r->port);
	wk_wr_zero(&w, 2);
	wk_wr_bytes(&w, r->addr.b, 16);
	/* one write per record, as -oJ writes one per line: a kill between the two costs one
	 * duplicate line at most. O_APPEND to a regular file: whole or not at all, but for a
	 * full disk */
	size_t done = 0;
	ssize_t n = 0;
	while (done < sizeof(rec) &&
	       ((n = write(c->journal_fd, rec + done, sizeof(rec) - done)) > 0 ||
	        (n < 0 && errno == EINTR)))
		done += n > 0 ? (size_t)n : 0;
	if (done < sizeof(rec)) {
		/* the scan goes on; a resume after a kill then reports some results twice (a cut
		 * last record is left out when the journal is read) */
		fprintf(stderr, "wirekit scan: %s: %s (the journal stops here)\n", c->journal_path,
		        strerror(n < 0 ? errno : ENOSPC));
		close(c->journal_fd);
		c->journal_fd = -1;
	}
}

int scan_journal_fill(struct scan_cli *c)
{
	struct wk_error e = {0};
	size_t n = c->done ? wk_results_count(c->done) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct wk_scan_result *r = wk_results_at(c->done, i);
		/* silence is not stored (scan_out_result) */
		if (r->reason == WK_RS_NO_RESPONSE)
			continue;
		if (wk_results_add(c->table, r, &e)) {
			fprintf(stderr, "wirekit scan: %s\n", e.msg);
			return 1;
		}
	}
	return 0;
}

void scan_journal_clear(struct scan_cli *c)
{
	if (c->journal_fd >= 0 && ftruncate(c->journal_fd, 0))
		fprintf(stderr, "wirekit scan: %s: %s\n", c->journal_path, strerror(errno));
}

void scan_journal_close(struct scan_cli *c)
{
	if (c->journal_fd >= 0)
		close(c->journal_fd);
	c->journal_fd = -1;
	free(c->journal_path);
	c->journal_path = NULL;
	wk_results_free(c->done);
	c->done = NULL;
}
