/* One line per packet, like tcpdump -n: the time, then each layer's own summary. Network
 * layers leave their addresses pending; a transport layer prints them with its ports,
 * anything else gets "src > dst: ". Damage is shown, never fatal. */
#include <string.h>

#include "wirekit/out.h"

void wk_line_addrs(struct wk_line *o, enum wk_ftype t, const uint8_t *src, const uint8_t *dst)
{
	o->atype = t;
	o->src = src;
	o->dst = dst;
}

static void addr(struct wk_ob *ob, enum wk_ftype t, const uint8_t *a)
{
	if (t == WK_FT_IP4)
		wk_ob_ip4(ob, a);
	else if (t == WK_FT_IP6)
		wk_ob_ip6(ob, a);
	else if (t == WK_FT_MAC)
		wk_ob_mac(ob, a);
}

void wk_line_ports(struct wk_line *o, uint32_t sport, uint32_t dport)
{
	if (o->atype == WK_FT_NONE)
		return;
	addr(o->ob, o->atype, o->src);
	wk_ob_putc(o->ob, '.');
	wk_ob_u64(o->ob, sport);
	wk_ob_puts(o->ob, " > ");
	addr(o->ob, o->atype, o->dst);
	wk_ob_putc(o->ob, '.');
	wk_ob_u64(o->ob, dport);
	wk_ob_puts(o->ob, ": ");
	o->atype = WK_FT_NONE;
}

void wk_line_ports_only(struct wk_line *o, uint32_t sport, uint32_t dport)
{
	wk_ob_u64(o->ob, sport);
	wk_ob_puts(o->ob, " > ");
	wk_ob_u64(o->ob, dport);
	wk_ob_puts(o->ob, ": ");
}

void wk_line_flush_addrs(struct wk_line *o)
{
	if (o->atype == WK_FT_NONE)
		return;
	addr(o->ob, o->atype, o->src);
	wk_ob_puts(o->ob, " > ");
	addr(o->ob, o->atype, o->dst);
	wk_ob_puts(o->ob, ": ");
	o->atype = WK_FT_NONE;
}

static void two(struct wk_ob *o, unsigned v)
{
	wk_ob_putc(o, (char)('0' + v / 10 % 10));
	wk_ob_putc(o, (char)('0' + v % 10));
}

static void frac6(struct wk_ob *o, uint32_t nsec)
{
	char b[6];
	uint32_t us = nsec / 1000;
	for (int i = 5; i >= 0; i--) {
		b[i] = (char)('0' + us % 10);
		us /= 10;
	}
	wk_ob_putc(o, '.');
	wk_ob_write(o, b, 6);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's method). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Signed difference a - b in seconds.nanoseconds. */
static void span(struct wk_ob *o, int64_t as, uint32_t an, int64_t bs, uint32_t bn)
{
	int64_t s = as - bs;
	int64_t n = (int64_t)an - (int64_t)bn;
	if (n < 0) {
		n += 1000000000;
		s--;
	}
	if (s < 0) {
		/* out of order capture: show a negative span */
		wk_ob_putc(o, '-');
		if (n) {
			s = -s - 1;
			n = 1000000000 - n;
		} else {
			s = -s;
		}
	}
	wk_ob_u64(o, (uint64_t)s);
	frac6(o, (uint32_t)n);
}

static void put_time(struct wk_ob *o, struct wk_print_opts *po, const struct wk_pkt *p)
{
	if (!po->have_first) {
		po->first_sec = po->prev_sec = p->ts_sec;
		po->first_nsec = po->prev_nsec = p->ts_nsec;
		po->have_first = true;
	}
	int64_t t = p->ts_sec;
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sod = t - days * 86400;
	switch (po->tfmt) {
	case WK_TIME_DATE: {
		int64_t y;
		unsigned m, d;
		civil(days, &y, &m, &d);
		wk_ob_i64(o, y);
		wk_ob_putc(o, '-');
		two(o, m);
		wk_ob_putc(o, '-');
		two(o, d);
		wk_ob_putc(o, ' ');
	}
		/* fall through */
	case WK_TIME_ABS:
		two(o, (unsigned)(sod / 3600));
		wk_ob_putc(o, ':');
		two(o, (unsigned)(sod / 60 % 60));
		wk_ob_putc(o, ':');
		two(o, (unsigned)(sod % 60));
		frac6(o, p->ts_nsec);
		break;
	case WK_TIME_EPOCH:
		wk_ob_i64(o, p->ts_sec);
		frac6(o, p->ts_nsec);
		break;
	case WK_TIME_REL:
		span(o, p->ts_sec, p->ts_nsec, po->first_sec, po->first_nsec);
		break;
	case WK_TIME_DELTA:
		span(o, p->ts_sec, p->ts_nsec, po->prev_sec, po->prev_nsec);
		break;
	case WK_TIME_NONE:
		return;
	}
	po->prev_sec = p->ts_sec;
	po->prev_nsec = p->ts_nsec;
	wk_ob_putc(o, ' ');
}

void wk_print_opts_fini(struct wk_print_opts *po)
{
	if (!po)
		return;
	wk_flowtab_free(po->flows);
	po->flows = NULL;
}

void wk_print_line(struct wk_ob *ob, struct wk_print_opts *po, const struct wk_pkt *p)
{
	put_time(ob, po, p);
	struct wk_line o = {.ob = ob, .flows = po->abs_seq ? NULL : po->flows, .link = po->link};
	bool printed = false;
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		o.layer = i;
		/* an ICMP error's summary already names what it quotes (as tcpdump prints it) */
		if (l->flags & WK_LF_QUOTED)
			break;
		if (l->proto->line) {
			if (o.atype != WK_FT_NONE && !(l->proto->flags & WK_PF_PORTS))
				wk_line_flush_addrs(&o);
			uint64_t before = ob->flushed + ob->len;
			l->proto->line(&o, p, l);
			printed |= ob->flushed + ob->len != before;
		}
		if (l->flags & WK_LF_INVALID) {
			wk_line_flush_addrs(&o);
			wk_ob_puts(ob, " (invalid ");
			wk_ob_puts(ob, l->proto->name);
			if (l->why) {
				wk_ob_puts(ob, ": ");
				wk_ob_puts(ob, l->why);
			}
			wk_ob_putc(ob, ')');
			printed = true;
		} else if (l->flags & WK_LF_TRUNC) {
			wk_line_flush_addrs(&o);
			wk_ob_puts(ob, " [|");
			wk_ob_puts(ob, l->proto->name);
			wk_ob_putc(ob, ']');
			printed = true;
		}
	}
	wk_line_flush_addrs(&o);
	const struct wk_layer *last = &p->l[p->nlayers - 1];
	if (p->nlayers > 1 && (last->proto->flags & WK_PF_DUMP_REST) && printed &&
	    !(last->flags & (WK_LF_TRUNC | WK_LF_INVALID)) && last->len > last->hlen) {
		wk_ob_putc(ob, '\n'); /* the line ends in ": ", the payload follows */
		wk_print_hex(ob, p->data + last->off + last->hlen, last->len - last->hlen);
		return;
	}
	if (!printed) {
		if (p->nlayers <= 1) {
			wk_ob_puts(ob, "link type ");
			wk_ob_u64(ob, p->linktype);
		} else {
			wk_ob_puts(ob, p->l[p->nlayers - 1].proto->name);
		}
		wk_ob_puts(ob, ", length ");
		wk_ob_u64(ob, p->wirelen);
	}
	wk_ob_putc(ob, '\n');
}
