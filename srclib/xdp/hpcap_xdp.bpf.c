// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * hpcap_xdp.bpf.c - hpcap's XDP program: every frame of an RX queue that
 * has an hpcap AF_XDP socket goes to that socket, with its receive time in
 * the metadata area (struct hpcap_xdp_meta); frames of other queues go on
 * to the next program or the stack (XDP_PASS), untouched.
 *
 * Built twice by the Makefile (clang -target bpf), both objects embedded in
 * the tools:
 *  - hpcap_xdp.o: kernel clock only (bpf_ktime_get_ns, any AF_XDP kernel);
 *  - hpcap_xdp_nic_ts.o (HPCAP_XDP_NIC_TS): also asks the driver for the
 *    NIC's stamp through the XDP RX metadata kfunc (kernel 6.3+).  It must
 *    be loaded bound to the device (BPF_F_XDP_DEV_BOUND_ONLY) and attached
 *    in driver mode, outside libxdp's dispatcher (1.3 cannot chain a
 *    device-bound program).
 * libxdp's own AF_XDP program does the redirect but writes no stamp, which
 * is why hpcap has its own (doc/xdp.md).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "hpcap_xdp_meta.h"

/* RX queue index -> AF_XDP socket.  Sized by the loader to the queues. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} hpcap_xsks SEC(".maps");

#ifdef HPCAP_XDP_NIC_TS
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx,
					 __u64 *timestamp) __ksym;
#endif

SEC("xdp")
int hpcap_xdp_rx(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;
	struct hpcap_xdp_meta *m;
	void *data;

	/* Not one of ours: leave the frame exactly as it came. */
	if (!bpf_map_lookup_elem(&hpcap_xsks, &q))
		return XDP_PASS;
	/* A driver without metadata support refuses; the reader then finds
	 * no magic and stamps the frame itself. */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)) == 0) {
		m = (void *)(long)ctx->data_meta;
		data = (void *)(long)ctx->data;
		/* the verifier wants the bound checked */
		if ((void *)(m + 1) <= data) {
			m->mono_ns = bpf_ktime_get_ns();
			m->nic_ns = 0;
			m->flags = 0;
#ifdef HPCAP_XDP_NIC_TS
			{
				__u64 t = 0;

				/* 0 from a driver that has no stamp for
				 * this frame (veth without a hardware
				 * stamp): not a time. */
				if (!bpf_xdp_metadata_rx_timestamp(ctx, &t) && t) {
					m->nic_ns = t;
					m->flags = HPCAP_XDP_META_NIC_TS;
				}
			}
#endif
			m->magic = HPCAP_XDP_META_MAGIC;
		}
	}
	/* XDP_PASS if the socket went away meanwhile. */
	return bpf_redirect_map(&hpcap_xsks, q, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
