/* libwirekit: sockets, packets, captures. The umbrella header: every public header. */
#ifndef WIREKIT_H
#define WIREKIT_H

#include "wirekit/err.h"
#include "wirekit/cursor.h"
#include "wirekit/buf.h"
#include "wirekit/addr.h"
#include "wirekit/csum.h"
#include "wirekit/pace.h"
#include "wirekit/proto.h"
#include "wirekit/spec.h"
#include "wirekit/build.h"
#include "wirekit/pcap.h"
#include "wirekit/filter.h"
#include "wirekit/capture.h"
#include "wirekit/send.h"
#include "wirekit/tx.h"
#include "wirekit/ob.h"
#include "wirekit/line.h"
#include "wirekit/out.h"
#include "wirekit/stats.h"
#include "wirekit/sock.h"
#include "wirekit/tls.h"
#include "wirekit/ev.h"
#include "wirekit/relay.h"
#include "wirekit/rdns.h"
#include "wirekit/scan.h"
#include "wirekit/service.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version these headers belong to; WIREKIT_VERSION_NUM is 0xMMmmpp (major, minor,
 * patch), for #if. wk_version() is the library's at run time. */
#define WIREKIT_VERSION     "0.1.0"
#define WIREKIT_VERSION_NUM 0x000100

const char *wk_version(void);

#ifdef __cplusplus
}
#endif

#endif
