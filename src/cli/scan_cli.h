/* wirekit scan: what the option parser (cmd_scan.c) and the output side (scan_out.c:
 * result writers, resume file, progress line) share. */
#ifndef WK_CLI_SCAN_CLI_H
#define WK_CLI_SCAN_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "wirekit/out.h"
#include "wirekit/rdns.h"
#include "wirekit/scan.h"

enum { SCAN_MAX_OUTS = 5, SCAN_OBSIZE = 65536 };

struct scan_out {
	const struct wk_scan_writer *w;
	int fd;
	bool close_fd;
	bool continued;   /* a resumed -oX: the interrupted scan's preamble serves */
	const char *path; /* for messages; "-": stdout */
	off_t start;      /* the file's size when opened (appended to) */
	struct wk_ob ob;
	char *mem;
};

struct scan_cli {
	struct wk_scan_opts o;
	struct wk_scan_info info;
	struct wk_results *table;
	struct scan_out outs[SCAN_MAX_OUTS];
	unsigned nouts;
	int out_err;
	/* resume file */
	const char *resume_file; /* rewritten every few seconds; NULL: only on a signal */
	int argc;                /* the options to store (without --resume) */
	char **argv;
	uint64_t last_pos;
	uint64_t last_save_ns;
	/* its journal (scan_resume.c): what this run reported, for a resume after a kill */
	int journal_fd; /* -1: none */
	char *journal_path;
	struct wk_results *done; /* what the interrupted scan reported (a resume after a kill) */
	bool complete;           /* the run ended: the last save says so */
	/* progress */
	bool tty;
	double stats_every; /* seconds, 0: only on a terminal */
	uint64_t last_stats_ns;
	bool verbose;
	bool discovered_lines; /* -v "Discovered open port" lines: stdout is not a machine format */
	bool progress_shown;
	/* -Z and --pcapng (scan_open.c) */
	bool drop; /* run as uid/gid once the sockets are open */
	uid_t uid;
	gid_t gid;
	const char *user;
	int resume_fd; /* opened before the drop: the resume file is rewritten in place */
	struct wk_scan_record *record; /* --pcapng */
	const char *record_path;
	/* --packet-trace (scan_out.c): nmap's SENT/RCVD/CONN lines on stdout, buffered (each
	 * line at once on a terminal), times from scan_out_begin */
	bool trace;
	struct wk_ob trace_ob;
	char *trace_mem;
	int trace_fd;
	bool trace_tty;
	int64_t trace_sec;
	uint32_t trace_nsec;
};

/* -Z USER and --pcapng FILE, after the outputs are open and before wk_scan_run: look the
 * user up (unknown: one line, 2), open the record (append: a resumed scan adds a section
 * to the interrupted one's), and when root is to be dropped open the resume file to
 * rewrite it in place. Sets c->o.record. 0 or an exit status after printing why. */
int scan_open_prepare(struct scan_cli *c, const char *pcapng, const char *user, bool append);
/* Before the first file is opened: each of the output paths (NULL and "-" skipped) is not
 * a directory, its directory takes new files, and it is neither another output nor one
 * of the inputs ins (-iL, --excludefile). 0, or 1 (cannot be written) / 2 (named twice)
 * after printing which one and why. */
int scan_paths_check(const char *const *paths, size_t n, const char *const *ins, size_t nin);
/* Right before wk_scan_run: sets c->o.on_open, where -Z's drop happens (the library calls
 * it once the sockets and captures that need root are open). 0 or 1 after printing why. */
int scan_open_before_run(struct scan_cli *c);
/* Close the record: 0, or 1 after printing the write error. */
int scan_open_close(struct scan_cli *c);
/* -sS -sU, -sA -sU and -sT -sU (scan_open.c): whether scan type t given after *type (set: a type
 * was given before) makes a TCP + UDP scan; then *type is the TCP one and *udp is set. */
bool scan_mix_type(enum wk_scan_type *type, bool *udp, bool set, enum wk_scan_type t);
/* The protocols the port list serves (bits of 1 << enum wk_scan_proto). */
unsigned scan_mix_protos(enum wk_scan_type type, bool udp);
/* Leave out ports of protocols no scan type of the run probes, with nmap's warning. */
void scan_mix_fit(struct wk_ports *ports, unsigned protos);

/* Add an output writer ("text", "json", "xml", "grep") to path ("-": stdout); a resumed
 * scan appends to the files of the interrupted one. */
int scan_out_add(struct scan_cli *c, const char *writer, const char *path, bool append);
int scan_out_begin(struct scan_cli *c);
void scan_out_result(void *ctx, const struct wk_scan_result *r);
void scan_out_progress(void *ctx, const struct wk_scan_progress *p);
/* --packet-trace: the library's on_trace (c->trace set before scan_out_begin). */
void scan_out_trace(void *ctx, const struct wk_scan_trace *t);
int scan_out_end(struct scan_cli *c, const struct wk_scan_summary *sum);
void scan_out_close(struct scan_cli *c);

/* -sV / --banners (scan_svc.c): probe the table's open ports, add what is learned. */
struct scan_svc_args {
	bool version, banners;
	unsigned intensity;      /* 0..9 */
	unsigned banner_wait_ms; /* 0: the library's default */
	unsigned max_parallel;   /* 0: the library's default */
	const char *datadir;
	const volatile int *stop;
};
/* 0, or 1 after printing why (a missing or damaged probe file) */
int scan_svc_run(struct scan_cli *c, const struct scan_svc_args *a);

/* -R (scan_host.c): reverse DNS of the hosts found up. */
struct scan_host_args {
	bool resolve;            /* -R */
	const char *servers_arg; /* --dns-servers LIST; NULL: /etc/resolv.conf */
	unsigned timeout_ms;     /* --dns-timeout: the cap on the whole lookup; 0: default */
	uint16_t port;           /* 0: 53 */
	bool verbose;
	struct wk_scan_addr servers[WK_RDNS_MAX_SERVERS];
	size_t nservers;
};
/* Fill servers from servers_arg or /etc/resolv.conf: 0, or 2 after printing why. */
int scan_host_servers(struct scan_host_args *a);
/* Ask for the names of the table's up hosts and report those found: 0, or 1 after
 * printing why. */
int scan_host_rdns(struct scan_cli *c, const struct scan_host_args *a, const volatile int *stop);

/* The resume file and its journal (scan_resume.c). */
struct scan_resume {
	int argc; /* the stored options, argv[0] = "scan" (free with scan_resume_free) */
	char **argv;
	uint64_t seed;
	uint64_t pos;     /* where sending goes on */
	uint64_t decided; /* every verdict before it was reported (<= pos) */
	bool have_decided;
	bool complete; /* the scan ended: nothing to resume */
	char *dir;     /* where the scan ran (its relative paths), NULL: not saved */
	char *path;    /* scan_resume_begin: the file, absolute */
};
/* Write the resume file atomically (temporary file + rename). */
int scan_resume_save(const struct scan_cli *c, const char *path, uint64_t pos, uint64_t decided);
/* Read a resume file: 0, or an exit status after printing why. */
int scan_resume_load(const char *path, struct scan_resume *out);
void scan_resume_free(int argc, char **argv);
/* --resume FILE: read it (refused when complete), its journal into c->done, and go to the
 * directory the scan ran in (its -o files, -iL and --resume-file are relative to it).
 * 0, or an exit status after printing why; rs is freed by scan_resume_end. */
int scan_resume_begin(struct scan_cli *c, const char *file, struct scan_resume *rs);
void scan_resume_end(struct scan_resume *rs);
/* c->done's answers into c->table: the reports at the end (and -sV) cover the killed
 * scan's results, which only its -oJ file holds. 0, or 1 after printing why. */
int scan_journal_fill(struct scan_cli *c);
/* Read the journal beside resume_path (FILE.done) into c->done (NULL when missing or
 * empty; missing when rs has undecided positions: a notice): 0, or an exit status after
 * printing why. */
int scan_journal_load(struct scan_cli *c, const char *resume_path, const struct scan_resume *rs);
/* wk_scan_opts.reported: whether c->done holds the result. */
bool scan_journal_has(void *ctx, const struct wk_scan_addr *a, uint8_t proto, uint16_t port);
/* With c->resume_file: open its journal (kept when c->done holds a killed run's results,
 * else emptied), before -Z's drop. 0, or 1 after printing why. */
int scan_journal_open(struct scan_cli *c);
/* A result the outputs have written (scan_out_result); after an output failed, nothing
 * more is journaled. */
void scan_journal_add(struct scan_cli *c, const struct wk_scan_result *r);
/* Every position before the saved one is decided: the journal is not needed any more. */
void scan_journal_clear(struct scan_cli *c);
void scan_journal_close(struct scan_cli *c);

#endif
