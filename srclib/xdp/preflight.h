/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * preflight.h - srclib/xdp's internal helpers: checks made before the
 * interface is touched (preflight.c), the program (prog.c), the sockets
 * (socket.c).  Not installed.
 */
#ifndef HPCAP_XDP_PREFLIGHT_H
#define HPCAP_XDP_PREFLIGHT_H

#include "hxdp.h"

#include <stdint.h>

/* Where the per-interface locks live (a tmpfs, emptied at boot); the
 * second place when the first cannot be written (capabilities, no root). */
#define HXDP_LOCK_DIR "/run/hpcap"
#define HXDP_LOCK_DIR_ALT "/dev/shm"

int hxdp_err(char *buf, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hxdp_note(char *notes, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int hxdp_check_caps(int *ipc_lock, char *errbuf);
int hxdp_check_af_xdp(char *errbuf);
int hxdp_check_memlock(uint64_t need, int ipc_lock, char *errbuf);
int hxdp_lock_port(int ifindex, const char *ifname, char *errbuf);
int hxdp_port_locked(int ifindex);

/* prog.c */
void hxdp_capture_lib_messages(void);
const char *hxdp_lib_message(void);
int hxdp_prog_attach(struct hxdp_port *p, int drv_mode, int want_nic_ts,
		     int need_nic_ts, unsigned max_queue);
void hxdp_prog_detach(struct hxdp_port *p);
int hxdp_prog_remove_stale(int ifindex, const char *ifname, char *notes,
			   char *errbuf);
int hxdp_prog_add_socket(struct hxdp_port *p, struct hxdp_queue *q);

/* socket.c */
int hxdp_queue_open(struct hxdp_port *p, struct hxdp_queue *q, unsigned qid,
		    int zero_copy, const struct hxdp_opts *o);
void hxdp_queue_close(struct hxdp_queue *q);

#endif /* HPCAP_XDP_PREFLIGHT_H */
