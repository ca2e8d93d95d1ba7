/* SNMPv3 engine facts, the one follow-up that nmap -sV adds after the probe file for SNMP
 * (its version-category script snmp-info): the reply to the SNMPv3GetRequest probe names
 * the agent's enterprise in msgAuthoritativeEngineID (RFC 3411 section 5, SnmpEngineID;
 * RFC 3414 section 2.4, UsmSecurityParameters), and the product becomes
 * "<product>; <enterprise> SNMPv3 server". Names are looked up at run time in nmap's
 * nselib/data/enterprise_numbers.txt (never copied here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile_int.h"
#include "service/engine_int.h"
#include "wirekit/cursor.h"

/* One BER element (X.690 section 8.1): tag, definite length; the value as a sub-cursor. */
static bool ber(struct wk_rd *r, uint8_t tag, struct wk_rd *val)
{
	if (wk_rd_u8(r) != tag)
		return false;
	size_t len = wk_rd_u8(r);
	if (len & 0x80) {
		unsigned nb = len & 0x7f;
		if (nb == 0 || nb > 3)
			return false;
		len = 0;
		for (unsigned i = 0; i < nb; i++)
			len = len << 8 | wk_rd_u8(r);
	}
	if (r->bad || len > wk_rd_left(r))
		return false;
	*val = wk_rd_sub(r, len, NULL);
	return true;
}

static bool ber_int(struct wk_rd *r, uint32_t *v)
{
	struct wk_rd x;
	if (!ber(r, 0x02, &x) || wk_rd_left(&x) == 0 || wk_rd_left(&x) > 5)
		return false;
	*v = 0;
	while (wk_rd_left(&x))
		*v = *v << 8 | wk_rd_u8(&x);
	return true;
}

int svc_snmp_enterprise(const uint8_t *reply, size_t n, uint32_t *ent)
{
	struct wk_rd r, msg, global, secp, usm, engine;
	uint32_t version, msgid, model, skip;
	wk_rd_init(&r, reply, n);
	if (!ber(&r, 0x30, &msg) || !ber_int(&msg, &version) || version != 3)
		return -1;
	/* msgGlobalData: msgID (the probe's 0x4a69), msgMaxSize, msgFlags, msgSecurityModel */
	if (!ber(&msg, 0x30, &global) || !ber_int(&global, &msgid) || msgid != 0x4a69 ||
	    !ber_int(&global, &skip) || !ber(&global, 0x04, &secp) || !ber_int(&global, &model) ||
	    model != 3)
		return -1;
	if (!ber(&msg, 0x04, &secp) || !ber(&secp, 0x30, &usm) || !ber(&usm, 0x04, &engine) ||
	    wk_rd_left(&engine) < 4)
		return -1;
	uint32_t e = wk_rd_be32(&engine);
	*ent = e & 0x80000000u ? e - 0x80000000u : e;
	return 0;
}

void svc_enterprise_name(const char *datadir, uint32_t ent, char *out, size_t n)
{
	char path[4096];
	snprintf(out, n, "%lu", (unsigned long)ent); /* what snmp-info prints without a name */
	FILE *f = datafile_open(datadir, "nselib/data/enterprise_numbers.txt", path, sizeof(path),
	                        NULL, 0);
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long v = strtoul(line, &end, 10);
		if (end == line || *end != '\t' || v != ent)
			continue;
		end++;
		end[strcspn(end, "\r\n")] = '\0';
		snprintf(out, n, "%s", end);
		break;
	}
	fclose(f);
}
