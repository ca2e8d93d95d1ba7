/* Internal names shared by the pcap/pcapng reader and writer (src/lib/io). */
#ifndef WIREKIT_IO_INT_H
#define WIREKIT_IO_INT_H

#include <stdint.h>

/* pcap file magics as read little-endian from the first four bytes. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
/* Alexey Kuznetsov's patched format: microseconds, 24-byte record headers. */
#define PCAP_MAGIC_KUZ 0xa1b2cd34u

/* pcapng block types (draft-ietf-opsawg-pcapng section 4 and appendix A). */
#define PCAPNG_SHB          0x0a0d0d0au
#define PCAPNG_IDB          1u
#define PCAPNG_PB           2u /* obsolete Packet Block, appendix A */
#define PCAPNG_SPB          3u
#define PCAPNG_EPB          6u
#define PCAPNG_BOM          0x1a2b3c4du
#define PCAPNG_OPT_END      0
#define PCAPNG_OPT_COMMENT  1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_TSRESOL   9
#define PCAPNG_IF_NAME      2
#define PCAPNG_IF_DESCR     3
#define PCAPNG_IF_TSOFFSET  14

/* Packets with more captured bytes than this are damage, never an allocation. */
#define PCAP_MAX_CAPLEN (256u << 20)
/* Largest pcapng block accepted: a maximal packet plus room for its options. */
#define PCAPNG_MAX_BLOCK (PCAP_MAX_CAPLEN + (1u << 20))

#endif
