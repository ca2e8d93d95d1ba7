/* libwirekit: sockets, packets, captures. The umbrella header. */
#ifndef WIREKIT_H
#define WIREKIT_H

#include "wirekit/err.h"
#include "wirekit/cursor.h"
#include "wirekit/buf.h"
#include "wirekit/addr.h"
#include "wirekit/csum.h"
#include "wirekit/proto.h"
#include "wirekit/pcap.h"
#include "wirekit/filter.h"
#include "wirekit/out.h"
#include "wirekit/sock.h"
#include "wirekit/tls.h"
#include "wirekit/ev.h"
#include "wirekit/relay.h"

#define WIREKIT_VERSION "0.1.0"

#endif
