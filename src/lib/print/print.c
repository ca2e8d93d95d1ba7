/* Generic writers over the field tables: the layer tree (-V), JSON objects and the hex
 * dump. None of them knows any protocol. */
#include <string.h>

#include "wirekit/out.h"

enum { MAX_OCC = 64 };

static void put_time_epoch(struct wk_ob *o, const struct wk_pkt *p)
{
	wk_ob_i64(o, p->ts_sec);
	wk_ob_putc(o, '.');
	char b[9];
	uint32_t ns = p->ts_nsec;
	for (int i = 8; i >= 0; i--) {
		b[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	wk_ob_write(o, b, 9);
}

static void layer_state(struct wk_ob *o, const struct wk_layer *l)
{
	if (l->flags & WK_LF_INVALID) {
		wk_ob_puts(o, " (invalid");
		if (l->why) {
			wk_ob_puts(o, ": ");
			wk_ob_puts(o, l->why);
		}
		wk_ob_putc(o, ')');
	}
	if (l->flags & WK_LF_TRUNC)
		wk_ob_puts(o, " [truncated]");
	if (l->flags & WK_LF_QUOTED)
		wk_ob_puts(o, " [quoted in ICMP error]");
	if (l->flags & WK_LF_FRAG)
		wk_ob_puts(o, " [fragment]");
}

void wk_print_tree(struct wk_ob *o, const struct wk_pkt *p)
{
	struct wk_val v;
	wk_ob_puts(o, "Frame ");
	wk_ob_u64(o, p->number);
	wk_ob_puts(o, ": ");
	wk_ob_u64(o, p->wirelen);
	wk_ob_puts(o, " bytes on wire, ");
	wk_ob_u64(o, p->caplen);
	wk_ob_puts(o, " captured, link type ");
	wk_ob_u64(o, p->linktype);
	wk_ob_puts(o, ", time ");
	put_time_epoch(o, p);
	wk_ob_putc(o, '\n');
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		wk_ob_puts(o, l->proto->title);
		wk_ob_puts(o, " (");
		wk_ob_puts(o, l->proto->name);
		wk_ob_puts(o, "), offset ");
		wk_ob_u64(o, l->off);
		wk_ob_puts(o, ", header ");
		wk_ob_u64(o, l->hlen);
		wk_ob_puts(o, " bytes");
		layer_state(o, l);
		wk_ob_putc(o, '\n');
		for (size_t k = 0; k < l->proto->nfields; k++) {
			const struct wk_field *f = &l->proto->fields[k];
			if (f->flags & WK_FF_HIDDEN)
				continue;
			for (unsigned n = 0; n < MAX_OCC && wk_field_get(p, l, f, n, &v); n++) {
				wk_ob_puts(o, "    ");
				wk_ob_puts(o, f->title ? f->title : f->name);
				wk_ob_puts(o, " (");
				wk_ob_puts(o, f->name);
				wk_ob_puts(o, "): ");
				wk_ob_val(o, f, &v);
				const char *nm =
				    v.type == WK_FT_UINT ? wk_field_vname(f, v.u) : NULL;
				if (nm) {
					wk_ob_puts(o, " (");
					wk_ob_puts(o, nm);
					wk_ob_putc(o, ')');
				}
				wk_ob_putc(o, '\n');
			}
		}
	}
	if (p->rest_len) {
		wk_ob_puts(o, "Data: ");
		wk_ob_u64(o, p->rest_len);
		wk_ob_puts(o, " bytes\n");
	}
	wk_ob_putc(o, '\n');
}

static void json_val(struct wk_ob *o, const struct wk_field *f, const struct wk_val *v)
{
	switch (v->type) {
	case WK_FT_UINT:
		if (f->flags & WK_FF_SIGNED)
			wk_ob_i64(o, (int64_t)v->u);
		else
			wk_ob_u64(o, v->u);
		break;
	case WK_FT_BOOL:
		wk_ob_puts(o, v->u ? "true" : "false");
		break;
	case WK_FT_STR:
		wk_ob_putc(o, '"');
		wk_ob_json_str(o, v->p, v->n);
		wk_ob_putc(o, '"');
		break;
	case WK_FT_NONE:
		wk_ob_puts(o, "null");
		break;
	default: /* addresses and hex bytes: text that needs no escaping */
		wk_ob_putc(o, '"');
		wk_ob_val(o, f, v);
		wk_ob_putc(o, '"');
		break;
	}
}

void wk_print_json(struct wk_ob *o, const struct wk_pkt *p)
{
	struct wk_val v;
	wk_ob_puts(o, "{\"frame.number\":");
	wk_ob_u64(o, p->number);
	wk_ob_puts(o, ",\"frame.time_epoch\":\"");
	put_time_epoch(o, p);
	wk_ob_puts(o, "\",\"frame.len\":");
	wk_ob_u64(o, p->wirelen);
	wk_ob_puts(o, ",\"frame.cap_len\":");
	wk_ob_u64(o, p->caplen);
	wk_ob_puts(o, ",\"frame.linktype\":");
	wk_ob_u64(o, p->linktype);
	wk_ob_puts(o, ",\"layers\":[");
	for (unsigned i = 1; i < p->nlayers; i++) {
		const struct wk_layer *l = &p->l[i];
		if (i > 1)
			wk_ob_putc(o, ',');
		wk_ob_puts(o, "{\"proto\":\"");
		wk_ob_puts(o, l->proto->name);
		wk_ob_puts(o, "\",\"offset\":");
		wk_ob_u64(o, l->off);
		wk_ob_puts(o, ",\"hlen\":");
		wk_ob_u64(o, l->hlen);
		if (l->flags & WK_LF_TRUNC)
			wk_ob_puts(o, ",\"truncated\":true");
		if (l->flags & WK_LF_INVALID) {
			wk_ob_puts(o, ",\"invalid\":\"");
			if (l->why)
				wk_ob_json_str(o, (const uint8_t *)l->why, strlen(l->why));
			wk_ob_putc(o, '"');
		}
		if (l->flags & WK_LF_QUOTED)
			wk_ob_puts(o, ",\"quoted\":true");
		wk_ob_puts(o, ",\"fields\":{");
		bool firstf = true;
		for (size_t k = 0; k < l->proto->nfields; k++) {
			const struct wk_field *f = &l->proto->fields[k];
			if (f->flags & WK_FF_HIDDEN)
				continue;
			unsigned n = 0;
			for (; n < MAX_OCC && wk_field_get(p, l, f, n, &v); n++) {
				if (n == 0) {
					if (!firstf)
						wk_ob_putc(o, ',');
					firstf = false;
					wk_ob_putc(o, '"');
					wk_ob_puts(o, f->name);
					wk_ob_puts(o, "\":");
					/* fields that can repeat are always arrays */
					if (f->get && f->type != WK_FT_NONE &&
					    wk_field_get(p, l, f, 1, &(struct wk_val){0}))
						wk_ob_putc(o, '[');
				} else {
					wk_ob_putc(o, ',');
				}
				json_val(o, f, &v);
			}
			if (n > 1)
				wk_ob_putc(o, ']');
		}
		wk_ob_puts(o, "}}");
	}
	wk_ob_puts(o, "]");
	if (p->rest_len) {
		wk_ob_puts(o, ",\"data.len\":");
		wk_ob_u64(o, p->rest_len);
	}
	wk_ob_puts(o, "}\n");
}

void wk_print_hex(struct wk_ob *o, const uint8_t *data, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		size_t k = n - off < 16 ? n - off : 16;
		wk_ob_puts(o, "\t0x");
		wk_ob_hex(o, off, 4);
		wk_ob_puts(o, ":  ");
		for (size_t i = 0; i < 16; i++) {
			if (i < k)
				wk_ob_hex(o, data[off + i], 2);
			else
				wk_ob_puts(o, "  ");
			if (i & 1)
				wk_ob_putc(o, ' ');
		}
		wk_ob_putc(o, ' ');
		for (size_t i = 0; i < k; i++) {
			uint8_t c = data[off + i];
			wk_ob_putc(o, c > 0x20 && c < 0x7f ? (char)c
			                                   : '.'); /* tcpdump: graphic only */
		}
		wk_ob_putc(o, '\n');
	}
}

void wk_ob_val(struct wk_ob *o, const struct wk_field *f, const struct wk_val *v)
{
	switch (v->type) {
	case WK_FT_UINT:
		if (f && (f->flags & WK_FF_SIGNED))
			wk_ob_i64(o, (int64_t)v->u);
		else if (f && (f->flags & WK_FF_HEX)) {
			wk_ob_puts(o, "0x");
			wk_ob_hex(o, v->u, f->width ? (unsigned)f->width * 2 : 1);
		} else
			wk_ob_u64(o, v->u);
		break;
	case WK_FT_BOOL:
		wk_ob_putc(o, v->u ? '1' : '0');
		break;
	case WK_FT_IP4:
		if (v->n >= 4)
			wk_ob_ip4(o, v->p);
		break;
	case WK_FT_IP6:
		if (v->n >= 16)
			wk_ob_ip6(o, v->p);
		break;
	case WK_FT_MAC:
		if (v->n >= 6)
			wk_ob_mac(o, v->p);
		break;
	case WK_FT_BYTES:
		for (size_t i = 0; i < v->n; i++)
			wk_ob_hex(o, v->p[i], 2);
		break;
	case WK_FT_STR:
		wk_ob_safe(o, v->p, v->n);
		break;
	case WK_FT_NONE:
		break;
	}
}
