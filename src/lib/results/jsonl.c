/* JSON Lines: one self-contained object per result, written and flushed when the result
 * is decided, so a scan killed at any moment leaves only whole lines; a summary object
 * closes the file. Schema (keys always present unless marked optional):
 *
 *   port:    {"ip":"198.19.0.5","proto":"tcp"|"udp"|"sctp","port":22,"state":"open",
 *             "reason":"syn-ack","ttl":64,"ts":"2026-12-06T04:40:00.123456Z",
 *             "rtt_us":120 (optional), "mac":"02:00:00:00:00:01" (optional),
 *             "vendor":"Xerox" (optional, with mac: nmap-mac-prefixes),
 *             "service":{"name":"ssh","product":..,"version":..,"extra":..,"hostname":..,
 *                        "ostype":..,"devicetype":..,"cpe":[..],"method":"probed"|"table",
 *                        "conf":10,"tunnel":"ssl","probe":"GetRequest",
 *                        "match_line":1234} (optional; each member optional),
 *             "banner":"printable JSON string","banner_b64":"raw bytes" (optional),
 *             "tls":{"version":"TLSv1.3","cipher":..,"alpn":..,"subject":"CN=..","issuer":..,
 *                    "sans":"DNS:a, IP:1.2.3.4","not_before":..,"not_after":..,
 *                    "key_type":"rsa","key_bits":2048,"sha256":"hex"} (optional)}
 *   host:    {"ip":"198.19.0.5","state":"up"|"down","reason":"echo-reply","ttl":64,
 *             "ts":..., "rtt_us":.., "mac":..,
 *             "hostname":"a.lab" (optional: -R, the PTR name)}  (no "proto", no "port")
 *             With -R a host line is written again, with its name, once it is known.
 *   summary: {"type":"summary","scanner":"wirekit","version":"0.1.0","args":"...",
 *             "scan_type":"syn" ("syn+udp" for -sS -sU),
 *             "scan_types":["syn","udp"] (one per protocol scanned; absent for -sn),
 *             "start":1765000000,"end":1765000005,"elapsed":5.01,
 *             "hosts_total":256,"hosts_up":3,"probes_sent":..,"replies":..,"results":..,
 *             "stopped":"interrupted (SIGINT) at position 260" (only when it ended early)}
 *
 * With --open (info->open_only) port lines of states other than open, open|filtered and
 * unfiltered and down host lines are not written; up host lines and the summary are.
 *
 * A port may appear more than once when a later answer overrode an earlier one (the
 * table's precedence, scan.h); the last line for a (ip, proto, port) is the verdict.
 * States, reasons and their spellings are nmap's. */
#include <stdio.h>
#include <string.h>

#include "results/results_int.h"
#include "wirekit/scan.h"
#include "wirekit/wirekit.h"

static void key(struct wk_ob *o, const char *k)
{
	wk_ob_puts(o, ",\"");
	wk_ob_puts(o, k);
	wk_ob_puts(o, "\":");
}

static void str(struct wk_ob *o, const char *s)
{
	wk_ob_putc(o, '"');
	wk_ob_json_str(o, (const uint8_t *)s, strlen(s));
	wk_ob_putc(o, '"');
}

static void kstr(struct wk_ob *o, const char *k, const char *s)
{
	key(o, k);
	str(o, s);
}

static void ku64(struct wk_ob *o, const char *k, uint64_t v)
{
	key(o, k);
	wk_ob_u64(o, v);
}

static void base64(struct wk_ob *o, const uint8_t *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		wk_ob_putc(o, a[v >> 18 & 63]);
		wk_ob_putc(o, a[v >> 12 & 63]);
		wk_ob_putc(o, i + 1 < n ? a[v >> 6 & 63] : '=');
		wk_ob_putc(o, i + 2 < n ? a[v & 63] : '=');
	}
}

/* "tls":{"version":..,"cipher":..,"alpn":..,"subject":..,"issuer":..,"sans":..,
 * "not_before":..,"not_after":..,"key_type":"rsa","key_bits":2048,"sha256":hex} */
static void tls(struct wk_ob *o, const struct wk_tls_info *t)
{
	wk_ob_puts(o, ",\"tls\":{\"version\":");
	str(o, t->version);
	kstr(o, "cipher", t->cipher);
	if (t->alpn[0])
		kstr(o, "alpn", t->alpn);
	if (t->has_cert) {
		char type[48], fp[65];
		unsigned bits;
		kstr(o, "subject", t->subject);
		kstr(o, "issuer", t->issuer);
		if (t->sans[0])
			kstr(o, "sans", t->sans);
		kstr(o, "not_before", t->not_before);
		kstr(o, "not_after", t->not_after);
		rkey_split(t->key, type, sizeof(type), &bits);
		kstr(o, "key_type", type);
		ku64(o, "key_bits", bits);
		rsha256_hex(fp, t->sha256);
		kstr(o, "sha256", fp);
	}
	wk_ob_putc(o, '}');
}

static void service(struct wk_ob *o, const struct wk_scan_service *s)
{
	const struct {
		const char *k, *v;
	} f[] = {{"name", s->name},
	         {"product", s->product},
	         {"version", s->version},
	         {"extra", s->extra},
	         {"hostname", s->hostname},
	         {"ostype", s->ostype},
	         {"devicetype", s->devicetype},
	         {"probe", s->probe}};
	wk_ob_puts(o, ",\"service\":{\"method\":");
	str(o, s->probed ? "probed" : "table");
	ku64(o, "conf", s->conf);
	if (s->ssl)
		kstr(o, "tunnel", "ssl");
	for (size_t i = 0; i < WK_ARRAY_SIZE(f); i++)
		if (f[i].v)
			kstr(o, f[i].k, f[i].v);
	if (s->match_line)
		ku64(o, "match_line", s->match_line);
	if (s->cpe[0]) {
		key(o, "cpe");
		wk_ob_putc(o, '[');
		for (size_t i = 0; i < WK_SCAN_MAX_CPE && s->cpe[i]; i++) {
			if (i)
				wk_ob_putc(o, ',');
			str(o, s->cpe[i]);
		}
		wk_ob_putc(o, ']');
	}
	wk_ob_putc(o, '}');
	if (s->banner_len) {
		key(o, "banner");
		wk_ob_putc(o, '"');
		wk_ob_json_str(o, s->banner, s->banner_len);
		wk_ob_putc(o, '"');
		key(o, "banner_b64");
		wk_ob_putc(o, '"');
		base64(o, s->banner, s->banner_len);
		wk_ob_putc(o, '"');
	}
	if (s->tls)
		tls(o, s->tls);
}

/* One result as one line (also used by tests through the writer table). */
static void line(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_scan_result *r)
{
	char ts[64];
	wk_ob_puts(o, "{\"ip\":\"");
	raddr(o, &r->addr);
	wk_ob_putc(o, '"');
	if (r->proto != WK_SCAN_HOST) {
		kstr(o, "proto", rproto_name(r->proto));
		ku64(o, "port", r->port);
	}
	kstr(o, "state", wk_port_state_name(r->state));
	kstr(o, "reason", wk_reason_name(r->reason));
	ku64(o, "ttl", r->ttl);
	rtime_iso(ts, sizeof(ts), r->ts_sec, r->ts_nsec);
	kstr(o, "ts", ts);
	if (r->rtt_us)
		ku64(o, "rtt_us", r->rtt_us);
	if (r->has_mac) {
		key(o, "mac");
		wk_ob_putc(o, '"');
		wk_ob_mac(o, r->mac);
		wk_ob_putc(o, '"');
		const char *vendor = wk_macdb_vendor(info ? info->macdb : NULL, r->mac);
		if (vendor)
			kstr(o, "vendor", vendor);
	}
	if (r->proto == WK_SCAN_HOST && r->hostname)
		kstr(o, "hostname", r->hostname);
	if (r->svc)
		service(o, r->svc);
	wk_ob_puts(o, "}\n");
}

static int json_begin(struct wk_ob *o, const struct wk_scan_info *info)
{
	(void)info;
	return o->err;
}

static int json_result(struct wk_ob *o, const struct wk_scan_info *info,
                       const struct wk_scan_result *r)
{
	/* --open: the records a stream can leave out when they are decided (a host's up
	 * record comes before its ports, so up hosts stay) */
	if (info->open_only &&
	    (r->proto == WK_SCAN_HOST ? r->state == WK_PS_HOST_DOWN : !rstate_openish(r->state)))
		return 0;
	line(o, info, r);
	/* Whole lines reach the file at once: a kill leaves no half object behind. */
	return wk_ob_flush(o);
}

/* "scan_type" names every scan of the run, "syn+udp" for -sS -sU; "scan_types" lists them
 * by protocol, as nmap's XML scaninfo elements do. */
static void scan_types(struct wk_ob *o, const struct wk_scan_info *info)
{
	const char *t[WK_SP_NPROTO];
	unsigned n = 0;
	for (uint8_t p = 0; info->ports && p < WK_SP_NPROTO; p++)
		for (uint32_t i = 0; i < info->ports->n; i++)
			if (info->ports->v[i].proto == p) {
				t[n++] = rproto_scan_type(info, p);
				break;
			}
	if (!n) {
		if (info->scan_type)
			kstr(o, "scan_type", info->scan_type);
		return;
	}
	key(o, "scan_type");
	wk_ob_putc(o, '"');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			wk_ob_putc(o, '+');
		wk_ob_json_str(o, (const uint8_t *)t[i], strlen(t[i]));
	}
	wk_ob_putc(o, '"');
	key(o, "scan_types");
	wk_ob_putc(o, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			wk_ob_putc(o, ',');
		str(o, t[i]);
	}
	wk_ob_putc(o, ']');
}

static int json_end(struct wk_ob *o, const struct wk_scan_info *info, const struct wk_results *all,
                    const struct wk_scan_summary *sum)
{
	char el[32];
	wk_ob_puts(o, "{\"type\":\"summary\"");
	kstr(o, "scanner", "wirekit");
	kstr(o, "version", WIREKIT_VERSION);
	if (info->args)
		kstr(o, "args", info->args);
	scan_types(o, info);
	key(o, "start");
	wk_ob_i64(o, info->start_sec);
	key(o, "end");
	wk_ob_i64(o, sum->end_sec);
	snprintf(el, sizeof(el), "%.2f", sum->elapsed);
	key(o, "elapsed");
	wk_ob_puts(o, el);
	ku64(o, "hosts_total", sum->hosts_total);
	ku64(o, "hosts_up", sum->hosts_up);
	ku64(o, "probes_sent", sum->probes_sent);
	ku64(o, "replies", sum->replies);
	ku64(o, "results", rwalk_count(all, info));
	if (sum->stopped)
		kstr(o, "stopped", sum->stopped);
	wk_ob_puts(o, "}\n");
	return wk_ob_flush(o);
}

const struct wk_scan_writer results_json_writer = {
    .name = "json",
    .begin = json_begin,
    .result = json_result,
    .end = json_end,
};
