/* Oracle for the pcap/pcapng reader: reads each capture with libpcap's pcap_next_ex
 * (nanosecond precision) and with wk_pcap_next side by side and compares record for
 * record: count, caplen, wirelen, timestamp, link type and data bytes. When libpcap
 * stops on an error we must stop on one too, after the same number of packets. With
 * --cuts, copies of each file cut short at a few offsets are compared the same way (in
 * memory: pcap_fopen_offline over fmemopen, wk_pcap_open_mem), which exercises damage.
 *
 * usage: pcap_compare [-v] [--cuts] [--allow FILE] PATH...   (files or directories)
 *
 * Known, justified differences are listed in FILE as "name<TAB>kinds<TAB>reason", kinds
 * a comma-separated subset of the tolerances below. A tolerance only excuses its own
 * difference; everything else in that file is still compared. A file that differs
 * otherwise fails the run, and so does a listed kind the file no longer needs. */
#include <dirent.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wirekit/pcap.h"

enum kind {
	/* libpcap cuts a pcap record longer than the header's snaplen down to the snaplen;
	 * tshark and we return every captured byte. The prefix must still match. */
	K_SNAPCUT = 1 << 0,
	/* libpcap 1.10 reads pcap seconds as signed 32-bit (1901..2038); the format says
	 * unsigned (1970..2106), as tshark reads them. The low 32 bits must match. */
	K_TSSIGNED = 1 << 1,
	/* libpcap stops at a pcapng interface whose link type or snaplen differs from the
	 * first one's; such files are valid and we read them to the end. */
	K_MULTIIF = 1 << 2,
	/* libpcap refuses a pcapng file without any Interface Description Block; we read
	 * it as a valid capture of zero packets. */
	K_NOIDB = 1 << 3,
};

static const struct {
	const char *name;
	unsigned bit;
} kinds[] = {
    {"snaplen-cut", K_SNAPCUT},
    {"ts-signed", K_TSSIGNED},
    {"multi-interface", K_MULTIIF},
    {"no-idb", K_NOIDB},
};

struct allow {
	char *name;
	char *reason;
	unsigned kinds;
	unsigned used;
};

static struct allow *allows;
static size_t nallow;
static bool verbose, cuts;

static unsigned n_skipped_snoop;
static unsigned n_files, n_runs, n_same_eof, n_same_err, n_both_reject, n_diff, n_allowed, n_stale;

static int parse_kinds(char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		size_t i = 0;
		while (i < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[i].name, s) != 0)
			i++;
		if (i == sizeof(kinds) / sizeof(kinds[0]))
			return -1;
		*out |= kinds[i].bit;
		s = comma ? comma + 1 : s + strlen(s);
	}
	return *out ? 0 : -1;
}

static int load_allow(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char line[1024];
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		unsigned k;
		if (!t2 || !t2[1]) {
			fprintf(stderr, "%s: want name<TAB>kinds<TAB>reason: %s\n", path, line);
			rc = -1;
			break;
		}
		*t1 = *t2 = '\0';
		if (parse_kinds(t1 + 1, &k) != 0) {
			fprintf(stderr, "%s: unknown kind in: %s\n", path, line);
			rc = -1;
			break;
		}
		struct allow *n = realloc(allows, (nallow + 1) * sizeof(*n));
		if (!n) {
			rc = -1;
			break;
		}
		allows = n;
		allows[nallow] = (struct allow){strdup(line), strdup(t2 + 1), k, 0};
		nallow++;
	}
	fclose(f);
	return rc;
}

static struct allow *find_allow(const char *name)
{
	for (size_t i = 0; i < nallow; i++)
		if (strcmp(allows[i].name, name) == 0)
			return &allows[i];
	return NULL;
}

/* libpcap reports DLT_ values; we report LINKTYPE_ values. Ask libpcap itself for its
 * mapping by opening a header-only pcap file with that link type. */
static int lt_to_dlt(uint32_t lt)
{
	static int cache[65536];
	static bool cached[65536];
	if (lt < 65536 && cached[lt])
		return cache[lt];
	uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
	hdr[16] = 0xff;
	hdr[17] = 0xff;
	for (int i = 0; i < 4; i++)
		hdr[20 + i] = (uint8_t)(lt >> (8 * i));
	int dlt = -1;
	FILE *f = fmemopen(hdr, sizeof(hdr), "rb");
	if (f) {
		char eb[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_fopen_offline(f, eb);
		if (p) {
			dlt = pcap_datalink(p);
			pcap_close(p); /* closes f */
		} else {
			fclose(f);
		}
	}
	if (lt < 65536) {
		cache[lt] = dlt;
		cached[lt] = true;
	}
	return dlt;
}

/* One input: a path, or the first len bytes of mem. */
struct src {
	const char *path;
	const uint8_t *mem;
	size_t len;
};

static pcap_t *lp_open(const struct src *s, char *eb)
{
	if (!s->mem)
		return pcap_open_offline_with_tstamp_precision(s->path, PCAP_TSTAMP_PRECISION_NANO,
		                                               eb);
	FILE *f = fmemopen((void *)s->mem, s->len, "rb");
	if (!f) {
		snprintf(eb, PCAP_ERRBUF_SIZE, "fmemopen failed");
		return NULL;
	}
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!p)
		fclose(f);
	return p;
}

/* Compare one input under the tolerances in allowed; the ones it needed go to *used.
 * Fills why when they differ otherwise, else summary. */
static void compare(const struct src *s, unsigned allowed, unsigned *used, char *why, size_t whylen,
                    char *summary, size_t sumlen)
{
	why[0] = '\0';
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *lp = lp_open(s, eb);
	struct wk_error werr = {0};
	struct wk_pcap_reader *wr =
	    s->mem ? wk_pcap_open_mem(s->mem, s->len, &werr) : wk_pcap_open(s->path, &werr);
	uint64_t n = 0;
	int lrc, wrc; /* pcap_next_ex: 1 packet, -1 error, -2 end; a failed open is an error */
	const char *lmsg = lp ? "" : eb;
	const char *wmsg = wr ? "" : werr.msg;
	struct wk_pkt pk;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *ld;
		lrc = lp ? pcap_next_ex(lp, &h, &ld) : -1;
		wrc = wr ? wk_pcap_next(wr, &pk) : werr.code;
		if (lrc != 1 || wrc != 0)
			break;
		n++;
		int64_t ls = (int64_t)h->ts.tv_sec, lf = (int64_t)h->ts.tv_usec;
		ls += lf / 1000000000;
		lf %= 1000000000;
		if (lf < 0) {
			lf += 1000000000;
			ls--;
		}
		int dlt = lt_to_dlt(pk.linktype);
		uint32_t cmplen = pk.caplen;
		if (h->caplen != pk.caplen && (allowed & K_SNAPCUT) && h->caplen < pk.caplen &&
		    h->caplen == (uint32_t)pcap_snapshot(lp)) {
			*used |= K_SNAPCUT;
			cmplen = h->caplen;
		}
		if (ls != pk.ts_sec && (allowed & K_TSSIGNED) &&
		    wk_pcap_format(wr) == WK_PCAP_FMT_PCAP && (uint32_t)ls == (uint32_t)pk.ts_sec &&
		    pk.ts_sec > INT32_MAX) {
			*used |= K_TSSIGNED;
			ls = pk.ts_sec;
		}
		if (pk.number != n)
			snprintf(why, whylen, "packet %" PRIu64 ": number %" PRIu64, n, pk.number);
		else if (h->caplen != cmplen)
			snprintf(why, whylen, "packet %" PRIu64 ": caplen ours %u libpcap %u", n,
			         pk.caplen, h->caplen);
		else if (h->len != pk.wirelen)
			snprintf(why, whylen, "packet %" PRIu64 ": wirelen ours %u libpcap %u", n,
			         pk.wirelen, h->len);
		else if (ls != pk.ts_sec || lf != (int64_t)pk.ts_nsec)
			snprintf(why, whylen,
			         "packet %" PRIu64 ": time ours %" PRId64 ".%09u libpcap %" PRId64
			         ".%09" PRId64,
			         n, pk.ts_sec, pk.ts_nsec, ls, lf);
		else if (dlt != pcap_datalink(lp))
			snprintf(why, whylen,
			         "packet %" PRIu64 ": link type ours %u (DLT %d) libpcap DLT %d", n,
			         pk.linktype, dlt, pcap_datalink(lp));
		else if (memcmp(ld, pk.data, cmplen) != 0) {
			uint32_t i = 0;
			while (ld[i] == pk.data[i])
				i++;
			snprintf(why, whylen, "packet %" PRIu64 ": data differ at byte %u", n, i);
		}
		if (why[0])
			goto out;
	}
	if (lrc == -1 && lp)
		lmsg = pcap_geterr(lp);
	if (wrc < 0 && wr)
		wmsg = wk_pcap_error(wr)->msg;
	/* libpcap gave up on a file we read on: excused only for the listed reasons, and
	 * then the rest of ours must still read without damage. */
	if (lrc == -1 && wr && (wrc == 0 || wrc == WK_EEOF) &&
	    (((allowed & K_MULTIIF) && strstr(lmsg, "different from the")) ||
	     ((allowed & K_NOIDB) && strstr(lmsg, "no Interface Description Blocks")))) {
		uint64_t more = 0;
		while (wrc == 0) {
			more++;
			wrc = wk_pcap_next(wr, &pk);
		}
		wmsg = wk_pcap_error(wr)->msg;
		if (wrc == WK_EEOF || (s->mem && wrc == WK_ETRUNC)) {
			*used |= strstr(lmsg, "different from the") ? K_MULTIIF : K_NOIDB;
			snprintf(summary, sumlen,
			         "libpcap stopped after %" PRIu64
			         " packets (%s); ours read %" PRIu64 " more, then \"%s\"",
			         n, lmsg, more, wmsg);
			n_same_eof++;
			goto out;
		}
		snprintf(why, whylen,
		         "after %" PRIu64 " packets libpcap stopped (%s); ours read %" PRIu64
		         " more, then \"%s\"",
		         n, lmsg, more, wmsg);
		goto out;
	}
	bool lerr = lrc == -1, werr_end = wrc != 0 && wrc != WK_EEOF;
	if (lrc == 1 || wrc == 0) {
		snprintf(why, whylen, "after %" PRIu64 " packets: %s (%s); %s has another packet",
		         n, lrc == 1 ? "ours stopped" : "libpcap stopped", lrc == 1 ? wmsg : lmsg,
		         lrc == 1 ? "libpcap" : "ours");
	} else if (lerr != werr_end) {
		snprintf(why, whylen, "after %" PRIu64 " packets: ours %s (%s), libpcap %s (%s)", n,
		         werr_end ? "error" : "end", wmsg, lerr ? "error" : "end", lmsg);
	} else if (!lerr) {
		n_same_eof++;
		snprintf(summary, sumlen, "%" PRIu64 " packets, clean end", n);
	} else if (!lp && !wr) {
		n_both_reject++;
		snprintf(summary, sumlen, "both reject: ours \"%s\", libpcap \"%s\"", wmsg, lmsg);
	} else {
		n_same_err++;
		snprintf(summary, sumlen, "%" PRIu64 " packets, then ours \"%s\", libpcap \"%s\"",
		         n, wmsg, lmsg);
	}
out:
	if (lp)
		pcap_close(lp);
	wk_pcap_close(wr);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
		}
		size_t k = fread(b + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return b;
}

static void one(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct allow *a = find_allow(name);
	unsigned allowed = a ? a->kinds : 0, used = 0;
	char why[1024], summary[1024] = "";
	struct src s = {path, NULL, 0};
	/* libpcap reads pcap and pcapng only; snoop files are checked against tshark by the
	 * fields oracle instead. */
	struct wk_pcap_reader *probe = wk_pcap_open(path, NULL);
	bool snoop = probe && wk_pcap_format(probe) == WK_PCAP_FMT_SNOOP;
	wk_pcap_close(probe);
	if (snoop) {
		n_skipped_snoop++;
		return;
	}
	n_files++;
	n_runs++;
	compare(&s, allowed, &used, why, sizeof(why), summary, sizeof(summary));
	if (!why[0] && verbose)
		printf("OK\t%s\t%s\n", name, summary);
	if (!why[0] && cuts) {
		size_t len;
		uint8_t *b = slurp(path, &len);
		size_t at[] = {len - 1, len - 7, len / 2, len / 3 + 1, 34, 100};
		for (size_t i = 0; b && len > 1 && i < sizeof(at) / sizeof(at[0]) && !why[0]; i++) {
			if (at[i] == 0 || at[i] >= len || (i > 0 && at[i] == at[i - 1]))
				continue;
			struct src c = {path, b, at[i]};
			n_runs++;
			compare(&c, allowed, &used, why, sizeof(why), summary, sizeof(summary));
			if (why[0]) {
				size_t k = strlen(why);
				snprintf(why + k, sizeof(why) - k, " [file cut to %zu bytes]",
				         at[i]);
			}
		}
		free(b);
	}
	if (a)
		a->used |= used;
	if (why[0] && a) {
		n_allowed++; /* listed, but for other differences: still a failure below */
		n_diff++;
		printf("DIFF\t%s\t%s\t(listed for other reasons: %s)\n", name, why, a->reason);
	} else if (why[0]) {
		n_diff++;
		printf("DIFF\t%s\t%s\n", name, why);
	} else if (a && a->used != a->kinds) {
		n_stale++;
		printf("STALE\t%s\tlisted kinds not needed any more; update the allowlist (%s)\n",
		       name, a->reason);
	} else if (a) {
		n_allowed++;
		if (verbose)
			printf("ALLOWED\t%s\t%s\n", name, a->reason);
	}
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		one(path);
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	char **names = NULL;
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		char *full = malloc(len);
		char **nv = realloc(names, (nn + 1) * sizeof(*names));
		if (nv)
			names = nv;
		if (!full || !nv) {
			free(full);
			break;
		}
		snprintf(full, len, "%s/%s", path, e->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			names[nn++] = full;
		else
			free(full);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp);
	for (size_t i = 0; i < nn; i++) {
		one(names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "--cuts") == 0) {
			cuts = true;
		} else if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc) {
			if (load_allow(argv[++i]) != 0)
				return 2;
		} else {
			break;
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: pcap_compare [-v] [--cuts] [--allow FILE] PATH...\n");
		return 2;
	}
	for (; i < argc; i++)
		if (walk(argv[i]) != 0)
			return 2;
	printf("%u files (%u inputs with the cut copies): %u inputs agree (%u read alike to the "
	       "end, %u stopped on the same damage after the same packet, %u rejected by both); "
	       "%u files differ; %u files needed a listed tolerance; %u stale allowlist entries\n",
	       n_files, n_runs, n_same_eof + n_same_err + n_both_reject, n_same_eof, n_same_err,
	       n_both_reject, n_diff, n_allowed, n_stale);
	if (n_skipped_snoop)
		printf("%u snoop files skipped (not a libpcap format)\n", n_skipped_snoop);
	for (size_t k = 0; k < nallow; k++) {
		free(allows[k].name);
		free(allows[k].reason);
	}
	free(allows);
	return n_diff || n_stale ? 1 : 0;
}
