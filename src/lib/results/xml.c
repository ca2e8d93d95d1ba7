/* nmap XML (xmloutputversion 1.05, nmap's docs/nmap.dtd): what ndiff, nmap's stylesheet
 * and the many nmap XML readers accept. Hosts are written at the end, sorted; down hosts
 * are counted in <runstats> but not listed, as nmap does at verbosity 0. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

/* Attribute and text escaping for untrusted bytes: the five XML specials as entities,
 * tab/CR/LF as character references, and every other byte that XML 1.0 cannot carry or
 * that is not ASCII as the text \xNN. In a comment a '-' after a '-' becomes &#45;
 * (nmap does the same: "--" may not occur in a comment). */
static void esc(struct wk_ob *o, const char *s, size_t n, bool comment)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			wk_ob_puts(o, "&amp;");
			continue;
		case '<':
			wk_ob_puts(o, "&lt;");
			continue;
		case '>':
			wk_ob_puts(o, "&gt;");
			continue;
		case '"':
			wk_ob_puts(o, "&quot;");
			continue;
		case '\'':
			wk_ob_puts(o, "&apos;");
			continue;
		case '\t':
			wk_ob_puts(o, "&#9;");
			continue;
		case '\n':
			wk_ob_puts(o, "&#10;");
			continue;
		case '\r':
			wk_ob_puts(o, "&#13;");
			continue;
		case '-':
			if (comment && i > 0 && s[i - 1] == '-') {
				wk_ob_puts(o, "&#45;");
				continue;
			}
			break;
		default:
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			wk_ob_puts(o, "\\x");
			wk_ob_putc(o, hex[c >> 4]);
			wk_ob_putc(o, hex[c & 15]);
		} else {
			wk_ob_putc(o, (char)c);
		}
	}
}

static void attr(struct wk_ob *o, const char *k, const char *v)
{
	wk_ob_putc(o, ' ');
	wk_ob_puts(o, k);
	wk_ob_puts(o, "=\"");
	esc(o, v, strlen(v), false);
	wk_ob_putc(o, '"');
}

static void attr_u64(struct wk_ob *o, const char *k, uint64_t v)
{
	wk_ob_putc(o, ' ');
	wk_ob_puts(o, k);
	wk_ob_puts(o, "=\"");
	wk_ob_u64(o, v);
	wk_ob_putc(o, '"');
}

static void attr_i64(struct wk_ob *o, const char *k, int64_t v)
{
	wk_ob_putc(o, ' ');
	wk_ob_puts(o, k);
	wk_ob_puts(o, "=\"");
	wk_ob_i64(o, v);
	wk_ob_putc(o, '"');
}

/* nmap's range lists: "1-1024,3389". */
struct ranges {
	struct wk_ob *o;
	bool any, open;
	uint32_t lo, hi;
};

static void ranges_flush(struct ranges *r)
{
	if (!r->open)
		return;
	if (r->any)
		wk_ob_putc(r->o, ',');
	wk_ob_u64(r->o, r->lo);
	if (r->hi != r->lo) {
		wk_ob_putc(r->o, '-');
		wk_ob_u64(r->o, r->hi);
	}
	r->any = true;
	r->open = false;
}

static void ranges_add(struct ranges *r, uint32_t port)
{
	if (r->open && port == r->hi + 1) {
		r->hi = port;
		return;
	}
	ranges_flush(r);
	r->lo = r->hi = port;
	r->open = true;
}

static void scaninfo(struct wk_ob *o, const struct wk_scan_info *info)
{
	const struct wk_ports *ps = info->ports;
	if (!ps)
		return;
	for (uint8_t proto = 0; proto < WK_SP_NPROTO; proto++) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < ps->n; i++)
			n += ps->v[i].proto == proto;
		if (!n)
			continue;
		wk_ob_puts(o, "<scaninfo");
		attr(o, "type", rproto_scan_type(info, proto));
		attr(o, "protocol", rproto_name(proto));
		attr_u64(o, "numservices", n);
		wk_ob_puts(o, " services=\"");
		struct ranges r = {.o = o};
		for (uint32_t i = 0; i < ps->n; i++)
			if (ps->v[i].proto == proto)
				ranges_add(&r, ps->v[i].port);
		ranges_flush(&r);
		wk_ob_puts(o, "\"/>\n");
	}
}

static int xml_begin(struct wk_ob *o, const struct wk_scan_info *info)
{
	char t[64];
	const char *args = info->args ? info->args : "wirekit scan";
	rtime_ctime(t, sizeof(t), info->start_sec);
	wk_ob_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
	              "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" "
	              "type=\"text/xsl\"?>\n<!-- wirekit " WIREKIT_VERSION " scan initiated ");
	wk_ob_puts(o, t);
	wk_ob_puts(o, " as: ");
	esc(o, args, strlen(args), true);
	wk_ob_puts(o, " -->\n<nmaprun");
	attr(o, "scanner", "wirekit");
	attr(o, "args", args);
	attr_i64(o, "start", info->start_sec);
	attr(o, "startstr", t);
	attr(o, "version", WIREKIT_VERSION);
	attr(o, "xmloutputversion", "1.05");
	wk_ob_puts(o, ">\n");
	scaninfo(o, info);
	wk_ob_puts(o, info->verbose ? "<verbose level=\"1\"/>\n" : "<verbose level=\"0\"/>\n");
	wk_ob_puts(o, "<debugging level=\"0\"/>\n");
	return o->err;
}

/* -v: a down host as nmap writes it, when decided (not with --open). */
static int xml_result(struct wk_ob *o, const struct wk_scan_info *info,
                      const struct wk_scan_result *r)
{
	if (!info->verbose || info->open_only || r->proto != WK_SCAN_HOST ||
	    r->state != WK_PS_HOST_DOWN)
		return 0;
	wk_ob_puts(o, "<host><status state=\"down\"");
	attr(o, "reason", wk_reason_name(r->reason));
	attr_u64(o, "reason_ttl", r->ttl);
	wk_ob_puts(o, "/>\n<address addr=\"");
	raddr(o, &r->addr);
	wk_ob_puts(o, "\" addrtype=\"");
	wk_ob_puts(o, r->addr.family == AF_INET ? "ipv4" : "ipv6");
	wk_ob_puts(o, "\"/>\n<hostnames>\n</hostnames>\n</host>\n");
	return o->err;
}

static void service(struct wk_ob *o, const struct wk_scan_info *info, const struct rport *p)
{
	const struct wk_scan_service *s = p->rec ? p->rec->svc : NULL;
	const char *name = rservice_name(info, p);
	if (!name && !s)
		return;
	wk_ob_puts(o, "<service");
	attr(o, "name", name ? name : "unknown");
	if (s) {
		const struct {
			const char *k, *v;
		} f[] = {{"product", s->product}, {"version", s->version},
		         {"extrainfo", s->extra}, {"hostname", s->hostname},
		         {"ostype", s->ostype},   {"devicetype", s->devicetype}};
		for (size_t i = 0; i < WK_ARRAY_SIZE(f); i++)
			if (f[i].v)
				attr(o, f[i].k, f[i].v);
		if (s->ssl)
			attr(o, "tunnel", "ssl");
	}
	attr(o, "method", s && s->probed ? "probed" : "table");
	attr_u64(o, "conf", s ? s->conf : 3);
	if (!s || !s->cpe[0]) {
		wk_ob_puts(o, "/>");
		return;
	}
	wk_ob_putc(o, '>');
	for (size_t i = 0; i < WK_SCAN_MAX_CPE && s->cpe[i]; i++) {
		wk_ob_puts(o, "<cpe>");
		esc(o, s->cpe[i], strlen(s->cpe[i]), false);
		wk_ob_puts(o, "</cpe>");
	}
	wk_ob_puts(o, "</service>");
}

static void elem(struct wk_ob *o, const char *k, const char *v)
{
	wk_ob_puts(o, "<elem");
	attr(o, "key", k);
	wk_ob_putc(o, '>');
	esc(o, v, strlen(v), false);
	wk_ob_puts(o, "</elem>");
}

static void dn_table(struct wk_ob *o, const char *key, const char *dn)
{
	char k[64], v[256];
	wk_ob_puts(o, "<table");
	attr(o, "key", key);
	wk_ob_putc(o, '>');
	while (rdn_next(&dn, k, sizeof(k), v, sizeof(v)))
		elem(o, k, v);
	wk_ob_puts(o, "</table>");
}

/* nmap's ssl-cert tables: subject, issuer, pubkey, extensions (the SANs), validity, and
 * the fingerprint (sha256; nmap adds md5 and sha1). */
static void cert_tables(struct wk_ob *o, const struct wk_tls_info *t)
{
	char type[48], num[16], tb[32], fp[65];
	unsigned bits;
	dn_table(o, "subject", t->subject);
	dn_table(o, "issuer", t->issuer);
	rkey_split(t->key, type, sizeof(type), &bits);
	snprintf(num, sizeof(num), "%u", bits);
	wk_ob_puts(o, "<table key=\"pubkey\">");
	elem(o, "type", type);
	elem(o, "bits", num);
	wk_ob_puts(o, "</table>");
	if (t->sans[0]) {
		wk_ob_puts(o, "<table key=\"extensions\"><table>");
		elem(o, "name", "X509v3 Subject Alternative Name");
		elem(o, "value", t->sans);
		wk_ob_puts(o, "</table></table>");
	}
	wk_ob_puts(o, "<table key=\"validity\">");
	rtls_time(tb, sizeof(tb), t->not_before);
	elem(o, "notBefore", tb);
	rtls_time(tb, sizeof(tb), t->not_after);
	elem(o, "notAfter", tb);
	wk_ob_puts(o, "</table>");
	rsha256_hex(fp, t->sha256);
	elem(o, "sha256", fp);
}

/* <script id= output=> per finding of --banners (results/scripts.c), with nmap's
 * structured elements where nmap has them. */
static void scripts(struct wk_ob *o, const struct rport *p)
{
	const struct wk_scan_service *s = p->rec ? p->rec->svc : NULL;
	struct rscript sc[3];
	size_t n = rscripts(s, sc, WK_ARRAY_SIZE(sc));
	for (size_t i = 0; i < n; i++) {
		wk_ob_puts(o, "<script");
		attr(o, "id", sc[i].id);
		attr(o, "output", sc[i].text);
		if (!strcmp(sc[i].id, "ssl-cert")) {
			wk_ob_putc(o, '>');
			cert_tables(o, s->tls);
			wk_ob_puts(o, "</script>");
		} else if (!strcmp(sc[i].id, "tls-session")) {
			wk_ob_putc(o, '>');
			elem(o, "version", s->tls->version);
			elem(o, "cipher", s->tls->cipher);
			if (s->tls->alpn[0])
				elem(o, "alpn", s->tls->alpn);
			wk_ob_puts(o, "</script>");
		} else {
			wk_ob_puts(o, "/>");
		}
	}
}

static void extraports(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_results *all, const struct rhost *h,
                       const struct rsummary *s)
{
	struct rreason rs[WK_SP_NPROTO * WK_RS_NREASON];
	for (unsigned i = 0; i < s->nignored; i++) {
		uint8_t st = s->order[i];
		wk_ob_puts(o, "<extraports");
		attr(o, "state", wk_port_state_name(st));
		attr_u64(o, "count", s->count[st]);
		wk_ob_puts(o, ">\n");
		size_t n = rreasons(rs, WK_ARRAY_SIZE(rs), all, info, h, st);
		for (size_t k = 0; k < n; k++) {
			wk_ob_puts(o, "<extrareasons");
			attr(o, "reason", wk_reason_name(rs[k].reason));
			attr_u64(o, "count", rs[k].count);
			attr(o, "proto", rproto_name(rs[k].proto));
			wk_ob_puts(o, " ports=\"");
			struct ranges r = {.o = o};
			struct rport_iter it;
			struct rport p;
			rport_begin(&it, all, info, h);
			while (rport_next(&it, &p))
				if (p.state == st && p.reason == rs[k].reason &&
				    p.proto == rs[k].proto)
					ranges_add(&r, p.port);
			ranges_flush(&r);
			wk_ob_puts(o, "\"/>\n");
		}
		wk_ob_puts(o, "</extraports>\n");
	}
}

static void ports(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                  const struct rhost *h, const struct rsummary *s)
{
	if (!s->total)
		return;
	wk_ob_puts(o, "<ports>");
	extraports(o, info, all, h, s);
	struct rport_iter it;
	struct rport p;
	rport_begin(&it, all, info, h);
	while (rport_next(&it, &p)) {
		if (p.state < RSTATES && s->ignored[p.state])
			continue;
		wk_ob_puts(o, "<port");
		attr(o, "protocol", rproto_name(p.proto));
		attr_u64(o, "portid", p.port);
		wk_ob_puts(o, "><state");
		attr(o, "state", wk_port_state_name(p.state));
		attr(o, "reason", wk_reason_name(p.reason));
		attr_u64(o, "reason_ttl", p.ttl);
		wk_ob_puts(o, "/>");
		service(o, info, &p);
		scripts(o, &p);
		wk_ob_puts(o, "</port>\n");
	}
	wk_ob_puts(o, "</ports>\n");
}

/* nmap's <times> (the last element of <host> in nmap.dtd) for a host with a round trip:
 * srtt and rttvar in microseconds, and the probe timeout nmap derives from them, srtt +
 * 4 rttvar within its default --min-rtt-timeout 100 ms and --max-rtt-timeout 10 s. */
static void times(struct wk_ob *o, const struct wk_scan_result *hr)
{
	if (!hr->rtt_us)
		return;
	uint64_t to = (uint64_t)hr->rtt_us + 4 * (uint64_t)hr->rttvar_us;
	to = to < 100000 ? 100000 : to > 10000000 ? 10000000 : to;
	wk_ob_puts(o, "<times");
	attr_u64(o, "srtt", hr->rtt_us);
	attr_u64(o, "rttvar", hr->rttvar_us);
	attr_u64(o, "to", to);
	wk_ob_puts(o, "/>\n");
}

/* nmap's -sL host: status unknown, the address, the name when -R found one; no times. */
static void listed_host(struct wk_ob *o, const struct rhost *h)
{
	wk_ob_puts(o, "<host><status");
	attr(o, "state", wk_port_state_name(WK_PS_HOST_UNKNOWN));
	attr(o, "reason", wk_reason_name(h->host->reason));
	attr_u64(o, "reason_ttl", 0);
	wk_ob_puts(o, "/>\n<address addr=\"");
	raddr(o, &h->host->addr);
	wk_ob_puts(o, "\" addrtype=\"");
	wk_ob_puts(o, h->host->addr.family == AF_INET ? "ipv4" : "ipv6");
	wk_ob_puts(o, "\"/>\n");
	if (h->host->hostname) {
		wk_ob_puts(o, "<hostnames>\n<hostname");
		attr(o, "name", h->host->hostname);
		attr(o, "type", "PTR");
		wk_ob_puts(o, "/>\n</hostnames>\n");
	}
	wk_ob_puts(o, "</host>\n");
}

static void host(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                 const struct rhost *h)
{
	bool has_ports = (info->ports && info->ports->n) || h->end - h->begin > 1;
	struct rsummary s;
	if (has_ports) {
		rsummary_make(&s, all, info, h);
		if (!rhost_listed(info, &s))
			return; /* --open */
	}
	int64_t first, last;
	rhost_span(all, h, &first, &last);
	wk_ob_puts(o, "<host");
	attr_i64(o, "starttime", first);
	attr_i64(o, "endtime", last);
	wk_ob_puts(o, "><status");
	attr(o, "state", "up");
	attr(o, "reason", wk_reason_name(h->host->reason));
	attr_u64(o, "reason_ttl", h->host->ttl);
	wk_ob_puts(o, "/>\n<address addr=\"");
	raddr(o, &h->host->addr);
	wk_ob_puts(o, "\" addrtype=\"");
	wk_ob_puts(o, h->host->addr.family == AF_INET ? "ipv4" : "ipv6");
	wk_ob_puts(o, "\"/>\n");
	if (h->host->has_mac) {
		wk_ob_puts(o, "<address addr=\"");
		rmac(o, h->host->mac);
		wk_ob_puts(o, "\" addrtype=\"mac\"");
		const char *vendor = wk_macdb_vendor(info->macdb, h->host->mac);
		if (vendor)
			attr(o, "vendor", vendor);
		wk_ob_puts(o, "/>\n");
	}
	wk_ob_puts(o, "<hostnames>\n");
	if (h->host->hostname) {
		wk_ob_puts(o, "<hostname");
		attr(o, "name", h->host->hostname);
		attr(o, "type", "PTR");
		wk_ob_puts(o, "/>\n");
	}
	wk_ob_puts(o, "</hostnames>\n");
	if (has_ports)
		ports(o, info, all, h, &s);
	times(o, h->host);
	wk_ob_puts(o, "</host>\n");
}

static int xml_end(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                   const struct wk_scan_summary *sum)
{
	struct rhost h;
	struct rwalk w;
	rwalk_begin(&w, all, info, sum);
	while (rwalk_next(&w, &h)) {
		if (h.up)
			host(o, info, all, &h);
		else if (h.host && h.host->state == WK_PS_HOST_UNKNOWN)
			listed_host(o, &h);
	}
	char t[64], done[160], el[32];
	rtime_ctime(t, sizeof(t), sum->end_sec);
	rdone(done, sizeof(done), sum);
	snprintf(el, sizeof(el), "%.2f", sum->elapsed);
	wk_ob_puts(o, "<runstats><finished");
	attr_i64(o, "time", sum->end_sec);
	attr(o, "timestr", t);
	wk_ob_puts(o, " summary=\"wirekit done at ");
	esc(o, t, strlen(t), false);
	wk_ob_puts(o, "; ");
	esc(o, done, strlen(done), false);
	wk_ob_putc(o, '"');
	attr(o, "elapsed", el);
	attr(o, "exit", sum->stopped ? "error" : "success");
	if (sum->stopped)
		attr(o, "errormsg", sum->stopped);
	wk_ob_puts(o, "/><hosts");
	attr_u64(o, "up", sum->hosts_up);
	attr_u64(o, "down",
	         sum->hosts_total > sum->hosts_up ? sum->hosts_total - sum->hosts_up : 0);
	attr_u64(o, "total", sum->hosts_total);
	wk_ob_puts(o, "/>\n</runstats>\n</nmaprun>\n");
	return wk_ob_flush(o);
}

const struct wk_scan_writer results_xml_writer = {
    .name = "xml",
    .begin = xml_begin,
    .result = xml_result,
    .end = xml_end,
};
