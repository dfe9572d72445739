/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file libmgmon.h
 * @brief libmgmon: write a traffic analyzer once, run it on recorded RAW
 * files and on a live hpcap queue unchanged.
 *
 * HPCAP's mgmon library, with the same call shapes:
 *
 * @code
 * static void handler(const uint8_t *payload,
 *                     const struct mgmon_pkthdr *h, void *arg) { ... }
 *
 * mgmon_packet_online_loop(2, 0, 0, handler, &state);  // CPU 2, hpcap_0_0
 * mgmon_packet_offline_loop(paths, n, handler, &state); // RAW files/dirs
 * @endcode
 *
 * The handler gets the frame (payload = the frame from its Ethernet
 * header on, caplen bytes, read-only and valid only until it returns) and
 * a pcap-style header with nanosecond time.  Both loops stop on SIGINT or
 * mgmon_break().  For control over each step, open a handle
 * (mgmon_open_live(), mgmon_open_offline()) and call mgmon_next() or
 * mgmon_loop().  Flow grouping (5-tuple records, IPv4 and IPv6, VLAN
 * aware) sits on top: mgmon_flows_*().
 *
 * Conventions as in libhpcap.h: negative return values are errors (a
 * negated errno or an HPCAP_ERR_* code), each handle keeps a message
 * about its last failure, and the library never prints (except where it
 * is asked to write CSV to a stream), exits or aborts.
 *
 * Speed: the offline reader maps each file and hands out pointers into
 * the mapping (no copy); the live reader hands out pointers into the
 * queue's mapping.  See doc/libmgmon.md for numbers and for the rules.
 */
#ifndef LIBMGMON_H
#define LIBMGMON_H

#include <stdint.h>
#include <stdio.h>

#include "libhpcap_live.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------------- */
/* Frames                                                                   */
/* ----------------------------------------------------------------------- */

/** Seconds and nanoseconds (the RAW format's resolution). */
struct mgmon_ts {
	uint32_t tv_sec;	/**< seconds since the Unix epoch */
	uint32_t tv_nsec;	/**< nanoseconds, < 1e9 */
};

/**
 * A frame's header, shaped like libpcap's struct pcap_pkthdr (ts, caplen,
 * len) but with a nanosecond timestamp: code written for HPCAP's mgmon
 * reads h->ts.tv_nsec where it read h->ts.tv_usec.
 */
struct mgmon_pkthdr {
	struct mgmon_ts ts;
	uint32_t caplen;	/**< bytes at payload */
	uint32_t len;		/**< bytes on the wire (FCS not included) */
};

/** The callback of every packet loop. */
typedef void (*mgmon_packet_handler)(const uint8_t *payload,
				     const struct mgmon_pkthdr *h, void *arg);

/** Non-negative results of the loops and of mgmon_next(). */
enum mgmon_status {
	MGMON_TIMEOUT = 0, /**< mgmon_next(): no frame within the timeout */
	MGMON_FRAME = 1,   /**< mgmon_next(): *h and *payload hold a frame */
	MGMON_END = 2,     /**< no more frames: every file was read, or the
			        live queue is gone and was drained */
	MGMON_BREAK = 3,   /**< stopped by mgmon_break(), mgmon_breakloop()
			        or SIGINT */
	MGMON_COUNT = 4,   /**< mgmon_loop(): count frames were handled */
};

/* ----------------------------------------------------------------------- */
/* HPCAP-style loops                                                        */
/* ----------------------------------------------------------------------- */

/**
 * Read queue `queue` of adapter `adapter` (/dev/hpcap_<adapter>_<queue>,
 * or the directory in HPCAP_DEV_DIR, e.g. /dev/shm for a pcap2hpcap
 * replay) as a lossless listener and call handler for every frame.
 * Pins the calling thread to `cpu` first (cpu < 0: no pinning).  While it
 * runs, SIGINT makes it return (the previous SIGINT disposition is put
 * back on return).
 * @return MGMON_BREAK (SIGINT or mgmon_break()), MGMON_END (the queue
 *   went away and was drained), or a negative code; the message is
 *   mgmon_loop_error().
 */
int mgmon_packet_online_loop(int cpu, int adapter, int queue,
			     mgmon_packet_handler handler, void *arg);

/**
 * The same over recorded RAW files: each path is a file, or a directory
 * whose *.raw files are read in capture order (hpcap_raw_list()).  Frames
 * come exactly as hpcap_raw_next() returns them.  SIGINT and
 * mgmon_break() stop it too.  A damaged file ends the loop with its error
 * after every frame before the damage was handled.
 * @return MGMON_END, MGMON_BREAK, or a negative code (mgmon_loop_error()).
 */
int mgmon_packet_offline_loop(const char *const *paths, int npaths,
			      mgmon_packet_handler handler, void *arg);

/**
 * Stop every loop running in the process (all threads) after the frame
 * being handled: the packet loops above, the flow loops and mgmon_loop().
 * Async-signal-safe.
 */
void mgmon_break(void);

/** Message about the last failure of a *_loop() call in this thread. */
const char *mgmon_loop_error(void);

/** Pin the calling thread to one CPU.  0 or a negated errno. */
int mgmon_pin_cpu(int cpu);

/* ----------------------------------------------------------------------- */
/* Handles: next-packet and loop calls                                      */
/* ----------------------------------------------------------------------- */

/** Flags of the mgmon_open_*() calls. */
enum mgmon_open_flags {
	MGMON_LOSSY = 1, /**< live: a lossy listener (HPCAP_OPEN_LOSSY) */
};

struct mgmon;

/** Open a live queue, as hpcap_open() does. */
int mgmon_open_live(struct mgmon **m, unsigned adapter, unsigned queue,
		    unsigned flags, char *errbuf);

/** Open a live queue by its device or queue-file name. */
int mgmon_open_path(struct mgmon **m, const char *path, unsigned flags,
		    char *errbuf);

/**
 * Open RAW files and directories for reading in order (see
 * mgmon_packet_offline_loop()).  "-" is standard input.
 */
int mgmon_open_offline(struct mgmon **m, const char *const *paths,
		       int npaths, unsigned flags, char *errbuf);

/**
 * The next frame.  *payload stays valid until the next call on m (and,
 * for a lossy live listener, while mgmon_frame_valid() says so).
 * @param timeout_ms live only: -1 waits for ever, 0 not at all.
 * @return MGMON_FRAME; MGMON_TIMEOUT (live); MGMON_END; MGMON_BREAK if
 *   mgmon_breakloop() or mgmon_break() was called; or a negative code.
 *   Offline, an error concerns the current file: the next call goes on
 *   with the next file.
 */
int mgmon_next(struct mgmon *m, struct mgmon_pkthdr *h,
	       const uint8_t **payload, int timeout_ms);

/**
 * Call handler for up to count frames (count <= 0: no limit).
 * @return MGMON_COUNT, MGMON_END, MGMON_BREAK, or a negative code (the
 *   frames before the error were handled; offline, call again to go on
 *   with the next file).
 */
int mgmon_loop(struct mgmon *m, long long count, mgmon_packet_handler handler,
	       void *arg);

/** Make the loop on m return MGMON_BREAK after the current frame (from the
 * handler, another thread or a signal handler). */
void mgmon_breakloop(struct mgmon *m);

/** Lossy live listeners: whether the frame last returned is still intact
 * (see hpcap_frame_valid()); always 1 otherwise. */
int mgmon_frame_valid(const struct mgmon *m);

/** Counters of a handle. */
struct mgmon_stats {
	uint64_t frames;	/**< frames handed out */
	uint64_t bytes;		/**< their caplen bytes */
	uint64_t wire_bytes;	/**< their len bytes */
	uint64_t lost_frames;	/**< live, lossy: frames missed */
	uint64_t lost_bytes;
	uint32_t files;		/**< offline: files opened so far */
	uint32_t bad_files;	/**< offline: files that ended in an error */
};
void mgmon_get_stats(const struct mgmon *m, struct mgmon_stats *s);

/** Offline: the file being read, and (if offset) the file offset of the
 * record last returned.  NULL for live handles or before the first file. */
const char *mgmon_file(const struct mgmon *m, uint64_t *offset);

/** Live: the libhpcap handle underneath (counters, info page); NULL
 * offline. */
struct hpcap_handle *mgmon_hpcap(struct mgmon *m);

const char *mgmon_geterr(const struct mgmon *m);

/** Close and free; NULL is accepted. */
void mgmon_close(struct mgmon *m);

/* ----------------------------------------------------------------------- */
/* Parsing                                                                  */
/* ----------------------------------------------------------------------- */

/** Fragment state of a parsed IP packet. */
enum mgmon_frag {
	MGMON_FRAG_NONE = 0,
	MGMON_FRAG_FIRST = 1,	/**< first fragment: has the L4 header */
	MGMON_FRAG_LATER = 2,	/**< a later fragment: no L4 header */
};

/** Layers of an Ethernet frame, as mgmon_parse() finds them. */
struct mgmon_parsed {
	uint16_t vlan[2];	/**< VLAN ids, outermost first (0: none) */
	uint8_t nvlan;		/**< 802.1Q/802.1ad tags passed */
	uint8_t family;		/**< 4, 6, or 0 (not IP) */
	uint16_t ethertype;	/**< after the tags */
	uint8_t proto;		/**< IP protocol (IPv6: upper-layer header) */
	uint8_t tcp_flags;	/**< TCP only */
	uint8_t frag;		/**< enum mgmon_frag */
	uint8_t reserved;
	uint16_t l3_off;	/**< offset of the IP header (0: not IP) */
	uint16_t l4_off;	/**< offset of the TCP/UDP/... header (0: none) */
	uint16_t payload_off;	/**< TCP/UDP payload (0: none) */
	uint16_t sport, dport;	/**< host order; ICMP: 0, type << 8 | code */
	uint32_t payload_len;	/**< TCP/UDP payload bytes per the headers
				     (may be more than was captured) */
	const uint8_t *src;	/**< 4 or 16 bytes in the frame */
	const uint8_t *dst;
};

/** Layer reached by mgmon_parse(). */
enum mgmon_layer {
	MGMON_L2 = 2,	/**< Ethernet only (not IP, or IP header cut) */
	MGMON_L3 = 3,	/**< IP header, no transport header (or cut) */
	MGMON_L4 = 4,	/**< transport header too (ports set) */
};

/**
 * Parse Ethernet, any number of 802.1Q/802.1ad/QinQ tags (0x8100, 0x88a8,
 * 0x9100), IPv4 (options) or IPv6 (extension headers), then TCP, UDP,
 * UDP-Lite, SCTP (ports) or ICMP/ICMPv6 (type/code).  Never reads past
 * caplen.  @return an enum mgmon_layer, or 0 for a frame shorter than an
 * Ethernet header.
 */
int mgmon_parse(const uint8_t *frame, uint32_t caplen, struct mgmon_parsed *p);

/* ----------------------------------------------------------------------- */
/* Flows                                                                    */
/* ----------------------------------------------------------------------- */

/** A 5-tuple plus VLANs.  IPv4 addresses sit in the first 4 bytes. */
struct mgmon_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;		/**< host order */
	uint16_t dport;
	uint16_t vlan;		/**< outer VLAN id, 0: untagged */
	uint16_t vlan2;		/**< inner VLAN id (QinQ), 0: none */
	uint8_t family;		/**< 4 or 6 */
	uint8_t proto;
	uint8_t pad[2];
};

/** Why a flow record was delivered. */
enum mgmon_flow_end {
	MGMON_FLOW_IDLE = 1,	/**< no frame for the idle timeout */
	MGMON_FLOW_ACTIVE = 2,	/**< open for the active timeout: the record
				     is cut, the flow goes on in a new one */
	MGMON_FLOW_EVICTED = 3,	/**< the table was full: the least recently
				     seen flow made room */
	MGMON_FLOW_FLUSH = 4,	/**< mgmon_flows_flush(): end of input */
};

/** A flow record.  Bytes are frame bytes on the wire (len). */
struct mgmon_flow {
	struct mgmon_flow_key key; /**< src = the side of the first frame */
	uint64_t first_ns;	/**< time of the first frame, ns since epoch */
	uint64_t last_ns;	/**< time of the last frame */
	uint64_t packets;	/**< frames src -> dst */
	uint64_t bytes;
	uint64_t rpackets;	/**< frames dst -> src (MGMON_FLOW_BIDIR) */
	uint64_t rbytes;
	uint8_t tcp_flags;	/**< OR of the TCP flags src -> dst */
	uint8_t rtcp_flags;	/**< and dst -> src */
	uint8_t end;		/**< enum mgmon_flow_end */
	uint8_t reserved[5];
};

/** TCP flag bits of struct mgmon_flow and mgmon_parsed. */
#define MGMON_TCP_FIN 0x01
#define MGMON_TCP_SYN 0x02
#define MGMON_TCP_RST 0x04
#define MGMON_TCP_PSH 0x08
#define MGMON_TCP_ACK 0x10
#define MGMON_TCP_URG 0x20
#define MGMON_TCP_ECE 0x40
#define MGMON_TCP_CWR 0x80

/** Flags of struct mgmon_flow_opts. */
enum mgmon_flow_flags {
	/** One record per conversation: frames dst -> src count in the
	 * r* fields of the record their reverse opened. */
	MGMON_FLOW_BIDIR = 1,
	/** Leave VLAN ids out of the key (and the records). */
	MGMON_FLOW_NO_VLAN = 2,
};

/** Options of mgmon_flows_new(); zero fields take the defaults. */
struct mgmon_flow_opts {
	uint64_t idle_timeout_ns;   /**< default 30 s */
	uint64_t active_timeout_ns; /**< default 1800 s; UINT64_MAX: never */
	uint32_t max_flows;	    /**< open flows kept; default 1 << 20 */
	unsigned flags;		    /**< MGMON_FLOW_* */
};

/** The callback that receives flow records. */
typedef void (*mgmon_flow_handler)(const struct mgmon_flow *f, void *arg);

/** Counters of a flow table. */
struct mgmon_flow_stats {
	uint64_t frames;	/**< frames given to mgmon_flows_add() */
	uint64_t flow_frames;	/**< of them, counted in a flow */
	uint64_t other_frames;	/**< not IPv4/IPv6 (or IP header cut) */
	uint64_t created;	/**< flow records opened */
	uint64_t exported;	/**< records delivered */
	uint64_t evicted;	/**< of them, because the table was full */
	uint64_t open;		/**< flows open now */
};

struct mgmon_flows;

/**
 * A flow table that calls handler with every finished record.  Time is
 * the frames' own (so offline and live agree): a flow is idle when no
 * frame of it came for idle_timeout_ns of capture time.
 */
int mgmon_flows_new(struct mgmon_flows **t, const struct mgmon_flow_opts *o,
		    mgmon_flow_handler handler, void *arg, char *errbuf);

/**
 * Account one frame.  @return 1 counted in a flow, 0 not IP (counted in
 * other_frames).  May deliver records (idle, active, evicted) first.
 */
int mgmon_flows_add(struct mgmon_flows *t, const uint8_t *payload,
		    const struct mgmon_pkthdr *h);

/** Deliver the flows idle at capture time now_ns (call it when no frames
 * come for a while, so that quiet flows still end). */
void mgmon_flows_expire(struct mgmon_flows *t, uint64_t now_ns);

/** Deliver every open flow (MGMON_FLOW_FLUSH), oldest first. */
void mgmon_flows_flush(struct mgmon_flows *t);

void mgmon_flows_get_stats(const struct mgmon_flows *t,
			   struct mgmon_flow_stats *s);

/** Free the table; open flows are dropped (flush first). */
void mgmon_flows_free(struct mgmon_flows *t);

/** Addresses of a key as text ("10.0.0.1", "2001:db8::1"); returns buf. */
const char *mgmon_flow_src_str(const struct mgmon_flow_key *k, char *buf,
			       size_t n);
const char *mgmon_flow_dst_str(const struct mgmon_flow_key *k, char *buf,
			       size_t n);

/**
 * CSV: mgmon_flow_csv_header() writes the column line
 * "first,last,proto,src,sport,dst,dport,vlan,vlan2,packets,bytes,
 * rpackets,rbytes,tcp_flags,rtcp_flags,end", mgmon_flow_csv_write() one
 * record (times as seconds.nanoseconds, flags as nfdump's "CEUAPRSF"
 * with '.' for unset, end as idle/active/evicted/flush).
 * @return 0, or -EIO if the stream reported an error.
 */
int mgmon_flow_csv_header(FILE *out);
int mgmon_flow_csv_write(FILE *out, const struct mgmon_flow *f);

/** A ready-made mgmon_flow_handler: arg is the FILE * to write to. */
void mgmon_flow_csv_handler(const struct mgmon_flow *f, void *file);

/**
 * Flow versions of the packet loops: every frame goes to a flow table
 * with options o (NULL: defaults), records go to handler, open flows are
 * flushed when the loop ends.  Same return values as the packet loops.
 */
int mgmon_flow_online_loop(int cpu, int adapter, int queue,
			   const struct mgmon_flow_opts *o,
			   mgmon_flow_handler handler, void *arg);
int mgmon_flow_offline_loop(const char *const *paths, int npaths,
			    const struct mgmon_flow_opts *o,
			    mgmon_flow_handler handler, void *arg);

/* ----------------------------------------------------------------------- */
/* HPCAP's handler form                                                     */
/* ----------------------------------------------------------------------- */

/**
 * HPCAP's documented handler: a libpcap header (microsecond time, as
 * HPCAP filled it) and a writable payload pointer.  Code written for
 * HPCAP's mgmon passes such a handler to mgmon_packet_online_loop() or
 * mgmon_packet_offline_loop() unchanged: in C11 the two names below pick
 * the right loop from the handler's type (_Generic), with no cast and no
 * warning.  The payload must still not be written to (it points into the
 * read-only capture buffer).
 */
struct pcap_pkthdr;	/* <pcap/pcap.h>; a handler's file includes it */
typedef void (*mgmon_pcap_handler)(uint8_t *payload,
				   struct pcap_pkthdr *header, void *arg);

/** The loops above for a handler of HPCAP's form. */
int mgmon_packet_online_loop_pcap(int cpu, int adapter, int queue,
				  mgmon_pcap_handler handler, void *arg);
int mgmon_packet_offline_loop_pcap(const char *const *paths, int npaths,
				   mgmon_pcap_handler handler, void *arg);

/**
 * Inside a handler of HPCAP's form: the nanoseconds of the frame whose
 * header is h (the hpcap extension; h->ts.tv_usec holds only
 * microseconds).  For any other header, h->ts.tv_usec * 1000.
 */
uint32_t mgmon_pcap_nsec(const struct pcap_pkthdr *h);

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
	!defined(__cplusplus) && !defined(MGMON_NO_HPCAP_FORM)
/* The loop for the handler's type.  (name)(...) calls the function
 * itself, past the macro. */
#define mgmon_packet_online_loop(cpu, adapter, queue, handler, arg)	\
	_Generic((handler),						\
		 mgmon_pcap_handler: mgmon_packet_online_loop_pcap,	\
		 default: (mgmon_packet_online_loop))			\
		((cpu), (adapter), (queue), (handler), (arg))
#define mgmon_packet_offline_loop(paths, npaths, handler, arg)		\
	_Generic((handler),						\
		 mgmon_pcap_handler: mgmon_packet_offline_loop_pcap,	\
		 default: (mgmon_packet_offline_loop))			\
		((paths), (npaths), (handler), (arg))
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBMGMON_H */
