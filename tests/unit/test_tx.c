/* The TX engine's templates (tx.h): a template patched per packet must equal the packet
 * encoded afresh with the same values, byte for byte, for many values of every slot, and
 * its checksums must verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirekit/build.h"
#include "wirekit/csum.h"
#include "wirekit/spec.h"
#include "wirekit/tx.h"
#include "wirekit/wirekit.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct wk_build *mk(const char *text, struct wk_spec **sp)
{
	struct wk_error e = {0};
	struct wk_build *b = malloc(sizeof(*b));
	assert_non_null(b);
	*sp = wk_spec_parse(text, &e, NULL);
	if (!*sp)
		fail_msg("%s: %s", text, e.msg);
	wk_build_init(b);
	assert_int_equal(wk_spec_build(*sp, 0, b, &e), 0);
	return b;
}

/* Every checksum the dissector can judge verifies (frame of link type lt). */
static void verify(const uint8_t *d, size_t n, uint32_t lt)
{
	struct wk_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = d;
	p.caplen = p.wirelen = (uint32_t)n;
	p.linktype = lt;
	wk_dissect(&p);
	for (unsigned i = 0; i < p.nlayers; i++) {
		const struct wk_layer *l = &p.l[i];
		if (!(l->proto->flags & WK_PF_NETWORK) || l->len < 20 || (d[l->off] >> 4) != 4)
			continue;
		/* IPv4 header, then the transport over its pseudo-header */
		size_t hl = (size_t)(d[l->off] & 15) * 4;
		assert_int_equal(wk_csum_fold(wk_csum_partial(d + l->off, hl, 0)), 0);
		size_t tot = (size_t)(d[l->off + 2] << 8 | d[l->off + 3]);
		uint8_t proto = d[l->off + 9];
		const uint8_t *tp = d + l->off + hl;
		uint32_t sum = proto == 1 ? 0
		                          : wk_csum_pseudo4(d + l->off + 12, d + l->off + 16, proto,
		                                            (uint32_t)(tot - hl));
		uint16_t c = wk_csum_fold(wk_csum_partial(tp, tot - hl, sum));
		assert_true(c == 0 || c == 0xffff);
		return;
	}
}

/* Set the named fields (layer of each) to random values in copies of the template and in
 * the build; every packet must equal the fresh encode. */
static void compare(const char *text, uint32_t lt, const unsigned *layer, const char *const *fields,
                    unsigned nf, unsigned rounds)
{
	struct wk_spec *sp;
	struct wk_build *b = mk(text, &sp);
	struct wk_error e = {0};
	struct wk_templ *t = wk_templ_new(b, &e);
	assert_non_null(t);
	int slot[16];
	for (unsigned k = 0; k < nf; k++) {
		slot[k] = wk_templ_field(t, layer[k], fields[k], &e);
		if (slot[k] < 0)
			fail_msg("%s: %s", fields[k], e.msg);
	}
	static uint8_t fresh[4096], pkt[4096];
	unsigned zeros = 0;
	for (unsigned r = 0; r < rounds; r++) {
		wk_templ_copy(t, pkt);
		int any = 0;
		for (unsigned k = 0; k < nf; k++) {
			unsigned w = wk_templ_width(t, slot[k]);
			const struct wk_field *f = wk_build_field(b->l[layer[k]].proto, fields[k]);
			int rc;
			if (f->type == WK_FT_UINT || f->type == WK_FT_BOOL) {
				unsigned bits =
				    f->mask ? (unsigned)__builtin_popcount(f->mask) : w * 8;
				uint64_t v = bits >= 64 ? rnd() : rnd() & ((1ull << bits) - 1);
				rc = wk_templ_set(t, pkt, slot[k], v);
				assert_int_equal(wk_templ_get(t, pkt, slot[k]), v);
				assert_int_equal(wk_build_set_uint(b, layer[k], fields[k], v, &e),
				                 0);
			} else {
				uint8_t a[16];
				for (unsigned j = 0; j < w; j++)
					a[j] = (uint8_t)rnd();
				rc = wk_templ_set_bytes(t, pkt, slot[k], a);
				assert_int_equal(
				    wk_build_set_bytes(b, layer[k], fields[k], a, w, &e), 0);
			}
			assert_true(rc >= 0);
			any |= rc;
		}
		size_t len, tl;
		wk_templ_bytes(t, &tl);
		assert_int_equal(wk_build_encode(b, fresh, sizeof(fresh), &len, &e), 0);
		assert_int_equal(len, tl);
		verify(pkt, len, lt);
		if (any == WK_TEMPL_CSUM_ZERO) {
			zeros++; /* 0x0000 or 0xffff: both verify (checked above) */
			continue;
		}
		assert_memory_equal(pkt, fresh, len);
	}
	assert_true(zeros <= rounds / 200 + 2);
	wk_templ_free(t);
	wk_spec_free(sp);
	free(b);
}

static void test_ip_tcp(void **state)
{
	(void)state;
	const unsigned layer[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
	const char *const f[] = {"dst",   "src", "id",  "ttl",   "sport",
	                         "dport", "seq", "ack", "window"};
	compare("ip(dst=198.18.0.2)/tcp(dport=80,flags=S,mss=1460,sackok)", 228, layer, f, 9, 5000);
}

static void test_odd_payload(void **state)
{
	(void)state;
	/* the checksum pad byte after an odd payload, fields at odd offsets (ip.tos, ttl) */
	const unsigned layer[] = {0, 0, 0, 1, 1};
	const char *const f[] = {"dst", "tos", "ttl", "sport", "dport"};
	compare("ip(dst=198.18.0.2)/udp(dport=53)/\"abc\"", 228, layer, f, 5, 5000);
	compare("ether()/ip(dst=198.18.0.2)/udp(dport=53)/\"abcde\"", 1,
	        (const unsigned[]){1, 1, 2, 2, 0},
	        (const char *const[]){"dst", "src", "sport", "dport", "dst"}, 5, 3000);
}

static void test_icmp_ipv6(void **state)
{
	(void)state;
	compare("ip(dst=198.18.0.2)/icmp(type=echo-request)/\"ping\"", 228,
	        (const unsigned[]){0, 1, 1}, (const char *const[]){"dst", "id", "seq"}, 3, 3000);
	compare("ipv6(dst=2001:db8::1,src=2001:db8::2)/tcp(dport=443)", 229,
	        (const unsigned[]){0, 0, 1, 1, 0},
	        (const char *const[]){"dst", "src", "sport", "seq", "hlim"}, 5, 3000);
	compare("ipv6(dst=2001:db8::1)/icmp6(type=echo-request)", 229, (const unsigned[]){0, 1, 1},
	        (const char *const[]){"dst", "id", "seq"}, 3, 3000);
}

static void test_kinds(void **state)
{
	(void)state;
	struct wk_spec *sp;
	struct wk_build *b = mk("ip(dst=198.18.0.2,src=198.18.0.1)/tcp(dport=80)", &sp);
	struct wk_error e = {0};
	struct wk_templ *t = wk_templ_new(b, &e);
	assert_non_null(t);
	int dst = wk_templ_slot(t, WK_TEMPL_DST, &e);
	assert_true(dst >= 0);
	assert_int_equal(wk_templ_width(t, dst), 4);
	assert_int_equal(wk_templ_slot(t, WK_TEMPL_DST, &e), dst); /* learned once */
	assert_int_equal(wk_templ_field(t, 0, "ip.dst", &e), dst);
	assert_true(wk_templ_slot(t, WK_TEMPL_SPORT, &e) >= 0);
	assert_true(wk_templ_slot(t, WK_TEMPL_DPORT, &e) >= 0);
	assert_true(wk_templ_slot(t, WK_TEMPL_SEQ, &e) >= 0);
	assert_true(wk_templ_slot(t, WK_TEMPL_IPID, &e) >= 0);
	assert_int_equal(wk_templ_slot(t, WK_TEMPL_ID, &e), WK_ENOTFOUND); /* tcp has no id */
	/* computed fields and wrong use */
	assert_int_equal(wk_templ_field(t, 0, "len", &e), WK_EUNSUP);
	assert_int_equal(wk_templ_field(t, 1, "chksum", &e), WK_EUNSUP);
	assert_int_equal(wk_templ_field(t, 1, "nosuch", &e), WK_ENOTFOUND);
	uint8_t pkt[128];
	wk_templ_copy(t, pkt);
	assert_int_equal(wk_templ_set(t, pkt, dst, 1), WK_EINVAL);
	int dport = wk_templ_slot(t, WK_TEMPL_DPORT, &e);
	assert_int_equal(wk_templ_set(t, pkt, dport, 65536), WK_EINVAL);
	assert_int_equal(wk_templ_set(t, pkt, 99, 1), WK_EINVAL);
	wk_templ_free(t);
	/* wrong checksums on purpose cannot be updated into the same wrong values */
	b->flags = WK_BUILD_BADSUM;
	assert_null(wk_templ_new(b, &e));
	assert_int_equal(e.code, WK_EUNSUP);
	wk_spec_free(sp);
	free(b);
}

static void test_layout_change(void **state)
{
	(void)state;
	/* a field that moves bytes or changes a length is refused, not patched */
	struct wk_spec *sp;
	struct wk_build *b = mk("ip(dst=198.18.0.2)/icmp(type=echo-request)", &sp);
	struct wk_error e = {0};
	struct wk_templ *t = wk_templ_new(b, &e);
	assert_non_null(t);
	assert_int_equal(wk_templ_field(t, 0, "hdr_len", &e), WK_EUNSUP);
	wk_templ_free(t);
	wk_spec_free(sp);
	free(b);
}

/* The generator: packets from the template path equal packets encoded afresh with the
 * same seed, for every index of specs whose fields vary. */
static void gen_same(const char *text, bool templated, uint64_t n)
{
	struct wk_error e = {0};
	struct wk_spec *sp = wk_spec_parse(text, &e, NULL);
	if (!sp)
		fail_msg("%s: %s", text, e.msg);
	struct wk_txgen_opts o = {.seed = 12345};
	struct wk_txgen *a = wk_txgen_new(sp, &o, &e);
	o.fresh = true;
	struct wk_txgen *b = wk_txgen_new(sp, &o, &e);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(wk_txgen_templated(a), templated);
	assert_false(wk_txgen_templated(b));
	static uint8_t pa[4096], pb[4096];
	uint16_t first_sport = 0;
	bool sports_differ = false;
	for (uint64_t i = 0; i < n; i++) {
		size_t la, lb;
		assert_int_equal(wk_txgen_make(a, i, pa, sizeof(pa), &la, &e), 0);
		assert_int_equal(wk_txgen_make(b, i, pb, sizeof(pb), &lb, &e), 0);
		assert_int_equal(la, lb);
		assert_memory_equal(pa, pb, la);
		uint16_t sport = (uint16_t)(pa[4] << 8 | pa[5]); /* ip.id */
		if (i == 0)
			first_sport = sport;
		sports_differ |= sport != first_sport;
	}
	assert_true(sports_differ); /* the random defaults do change */
	wk_txgen_free(a);
	wk_txgen_free(b);
	wk_spec_free(sp);
}

static void test_gen_defaults(void **state)
{
	(void)state;
	struct wk_error e = {0};
	struct wk_spec *sp = wk_spec_parse("ip(dst=198.18.0.2)/icmp()", &e, NULL);
	struct wk_txgen_opts o = {.seed = 7};
	struct wk_txgen *g = wk_txgen_new(sp, &o, &e);
	assert_non_null(g);
	uint8_t pkt[128];
	size_t len;
	uint16_t id0 = 0;
	for (uint64_t n = 0; n < 70000; n += 997) {
		assert_int_equal(wk_txgen_make(g, n, pkt, sizeof(pkt), &len, &e), 0);
		uint16_t id = (uint16_t)(pkt[24] << 8 | pkt[25]),
		         seq = (uint16_t)(pkt[26] << 8 | pkt[27]);
		if (n == 0)
			id0 = id;
		assert_int_equal(id, id0);          /* one identifier per run, as ping */
		assert_int_equal(seq, (uint16_t)n); /* the sequence counts packets */
	}
	wk_txgen_free(g);
	wk_spec_free(sp);
	/* no random identifier where the type has none (the pointer of a parameter problem) */
	sp = wk_spec_parse("ip(dst=198.18.0.2)/icmp(type=parameter-problem)", &e, NULL);
	g = wk_txgen_new(sp, &o, &e);
	assert_int_equal(wk_txgen_make(g, 0, pkt, sizeof(pkt), &len, &e), 0);
	assert_int_equal(pkt[24] | pkt[25] | pkt[26] | pkt[27], 0);
	wk_txgen_free(g);
	wk_spec_free(sp);
}

static void test_gen(void **state)
{
	(void)state;
	gen_same("ip(dst=198.18.0.2,ttl=1-8)/tcp(dport=20-25,80,443,flags=S)", true, 20000);
	gen_same("ip(dst=198.18.0.2,tos=0-255)/udp(dport=53)/\"x\"", true, 20000);
	gen_same("ip(src=198.18.0.1,dst=198.18.0.0/24)/icmp()/\"ping\"", true, 5000);
	/* a field that changes the length: encoded afresh, still the same bytes */
	gen_same("ip(dst=198.18.0.2)/udp(dport=53)/dns(qname=a.test,bb.test)", false, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ip_tcp),        cmocka_unit_test(test_odd_payload),
	    cmocka_unit_test(test_icmp_ipv6),     cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_layout_change), cmocka_unit_test(test_gen),
	    cmocka_unit_test(test_gen_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
