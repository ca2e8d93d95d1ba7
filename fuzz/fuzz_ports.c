/* Harness for nmap port lists (-p): the result must be sorted, unique, in 1..65535. Service
 * names are looked up in a small built-in nmap-services written once to a temporary file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirekit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wk_services *services(void)
{
	static struct wk_services *s;
	static int done;
	if (done)
		return s;
	done = 1;
	char dir[] = "/tmp/wk_fuzz_ports_XXXXXX";
	if (!mkdtemp(dir))
		return NULL;
	char path[64];
	snprintf(path, sizeof(path), "%s/nmap-services", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("ssh\t22/tcp\t0.18\nhttp\t80/tcp\t0.48\nhttp\t80/udp\t0.03\n"
		      "http-alt\t8080/tcp\t0.1\ndomain\t53/udp\t0.2\n",
		      f);
		fclose(f);
		s = wk_services_load(dir, NULL);
	}
	unlink(path);
	rmdir(dir);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct wk_ports p = {0};
	struct wk_error err = {0};
	unsigned protos = size ? data[0] & 7 : 1;
	if (wk_ports_parse(&p, text, protos, services(), &err) == 0) {
		for (uint32_t i = 0; i < p.n; i++) {
			if (p.v[i].port == 0 || p.v[i].proto >= WK_SP_NPROTO)
				abort();
			if (i &&
			    (p.v[i - 1].proto > p.v[i].proto ||
			     (p.v[i - 1].proto == p.v[i].proto && p.v[i - 1].port >= p.v[i].port)))
				abort();
		}
		struct wk_ports copy = {0};
		if (wk_ports_parse(&copy, text, protos, services(), &err) == 0) {
			wk_ports_remove(&p, &copy);
			if (p.n != 0)
				abort();
		}
		wk_ports_free(&copy);
	}
	wk_ports_free(&p);
	free(text);
	return 0;
}
