// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * xdp_gen.bpf.c - the traffic of the AF_XDP benchmark (bench/xdp-gen.c):
 * run by BPF_PROG_RUN in live-frames mode on a 1518-byte UDP template,
 * it cuts each frame to its size (fixed, or the project's IMIX cycle),
 * writes its sequence number into the payload and sends it out of
 * out_ifindex (one end of a veth pair), so that it arrives on the other
 * end as a frame from the wire.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set by xdp-gen before loading: the only thing in .rodata, so that
 * userspace can write it at offset 0. */
const volatile struct {
	__u32 out_ifindex;
	__u32 frame_size;	/* 0: IMIX */
} cfg = { .frame_size = 64 };

/* The only thing in .bss: xdp-gen reads it as the count of frames sent. */
__u64 seq;

/* The IMIX of bench/gen-traffic.c: 7 x 64, 4 x 594, 1 x 1518 (in .data,
 * not .rodata: see cfg). */
__u16 imix[12] = {
	64, 594, 64, 64, 1518, 64, 594, 64, 64, 594, 64, 594,
};

#define TEMPLATE_LEN 1518
#define SEQ_OFF 42	/* after Ethernet, IPv4 and UDP headers */

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	__u64 n = seq++;
	__u32 k = (__u32)(n % 12), want = cfg.frame_size;
	void *data, *end;

	if (!want) {
		/* Hide from clang that k < 12, so the test stays for the
		 * verifier, which cannot see it through the division. */
		__asm__ volatile("" : "+r"(k));
		if (k >= 12)
			return XDP_ABORTED;
		want = imix[k];
	}

	/* Each run starts from the template's full length. */
	if (want < TEMPLATE_LEN &&
	    bpf_xdp_adjust_tail(ctx, (int)want - TEMPLATE_LEN))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + SEQ_OFF + sizeof(n) > end)
		return XDP_ABORTED;
	__builtin_memcpy(data + SEQ_OFF, &n, sizeof(n));
	return bpf_redirect(cfg.out_ifindex, 0);
}

char _license[] SEC("license") = "Dual BSD/GPL";
