/* Error codes and per-handle error messages. The library never prints or exits:
 * it returns 0 or a negative enum wk_err and fills a struct wk_error. */
#ifndef WIREKIT_ERR_H
#define WIREKIT_ERR_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum wk_err {
	WK_OK = 0,
	WK_EINVAL = -1,    /* bad argument or malformed input */
	WK_ENOMEM = -2,    /* allocation failed or a cap was reached */
	WK_ESYS = -3,      /* a system call failed; errno is in the message */
	WK_ETRUNC = -4,    /* input ended in the middle of a record */
	WK_EFORMAT = -5,   /* not a file format we know */
	WK_EPERM = -6,     /* missing privilege (CAP_NET_RAW, root) */
	WK_ENOTFOUND = -7, /* name, field or protocol unknown */
	WK_EEOF = -8,      /* clean end of input */
	WK_ETIMEOUT = -9,
	WK_EUNSUP = -10, /* valid but not supported by us */
};

#define WK_ERRMSG_MAX 256

struct wk_error {
	int code;
	char msg[WK_ERRMSG_MAX];
};

/* Fill e (may be NULL) and return code; vsnprintf semantics, always terminated. */
int wk_seterr(struct wk_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int wk_vseterr(struct wk_error *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Like wk_seterr, appending ": strerror(errnum)". */
int wk_seterr_sys(struct wk_error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wk_clearerr(struct wk_error *e);
const char *wk_strerror(int code);

/* Log sink: the library reports non-fatal events here; default is none. */
enum wk_log_level { WK_LOG_DEBUG, WK_LOG_INFO, WK_LOG_WARN };
typedef void (*wk_log_fn)(void *ctx, enum wk_log_level lvl, const char *msg);
void wk_log_set(wk_log_fn fn, void *ctx);
void wk_log(enum wk_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifdef __cplusplus
}
#endif

#endif
