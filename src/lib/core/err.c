/* Error messages on handles and the log sink. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wirekit/err.h"

int wk_vseterr(struct wk_error *e, int code, const char *fmt, va_list ap)
{
	if (e) {
		e->code = code;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	}
	return code;
}

int wk_seterr(struct wk_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wk_vseterr(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int wk_seterr_sys(struct wk_error *e, int errnum, const char *fmt, ...)
{
	int code = errnum == EPERM || errnum == EACCES ? WK_EPERM : WK_ESYS;
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	wk_vseterr(e, code, fmt, ap);
	va_end(ap);
	size_t n = strlen(e->msg);
	char eb[128];
	const char *s = strerror_r(errnum, eb, sizeof(eb));
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", s);
	return code;
}

void wk_clearerr(struct wk_error *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

const char *wk_strerror(int code)
{
	switch (code) {
	case WK_OK:
		return "success";
	case WK_EINVAL:
		return "invalid argument or input";
	case WK_ENOMEM:
		return "out of memory";
	case WK_ESYS:
		return "system call failed";
	case WK_ETRUNC:
		return "truncated input";
	case WK_EFORMAT:
		return "unknown format";
	case WK_EPERM:
		return "permission denied";
	case WK_ENOTFOUND:
		return "not found";
	case WK_EEOF:
		return "end of input";
	case WK_ETIMEOUT:
		return "timed out";
	case WK_EUNSUP:
		return "not supported";
	}
	return "unknown error";
}

static wk_log_fn log_fn;
static void *log_ctx;

void wk_log_set(wk_log_fn fn, void *ctx)
{
	log_fn = fn;
	log_ctx = ctx;
}

void wk_log(enum wk_log_level lvl, const char *fmt, ...)
{
	if (!log_fn)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(log_ctx, lvl, msg);
}
