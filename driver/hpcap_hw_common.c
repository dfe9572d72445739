// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_hw_common.c - register-level steps that the 82576 and the 82599
 * take the same way, each chip naming its own registers: waiting for a
 * register, the permanent MAC address, RSS.  The OS glue (hpcap_native.c)
 * touches no register; the chips' files (hpcap_hw_8257x.c) call these.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>

#include "hpcap_native.h"

/* Poll reg until (value & mask) == want, up to timeout_us; 0 or -ETIMEDOUT. */
int hpcap_wait_reg(struct hpcap_nic *nic, u32 reg, u32 mask, u32 want,
		   u32 timeout_us)
{
	u32 waited = 0;

	while ((hpcap_rd(nic, reg) & mask) != want) {
		if (waited >= timeout_us)
			return -ETIMEDOUT;
		usleep_range(100, 200);
		waited += 100;
	}
	return 0;
}

/* The permanent MAC address from receive address register 0 (RAL/RAH). */
void hpcap_read_mac(struct hpcap_nic *nic, u32 ral, u8 *mac)
{
	u32 lo = hpcap_rd(nic, ral), hi = hpcap_rd(nic, ral + 4);

	mac[0] = lo;
	mac[1] = lo >> 8;
	mac[2] = lo >> 16;
	mac[3] = lo >> 24;
	mac[4] = hi;
	mac[5] = hi >> 8;
	if (!is_valid_ether_addr(mac))
		eth_random_addr(mac);
}

/*
 * RSS key: 0x6d5a repeated makes the Toeplitz hash symmetric, so both
 * directions of a flow (as a tap or span port shows them) land on the
 * same queue, in order.
 */
#define HPCAP_RSS_KEY_WORD	0x6d5a6d5au

/*
 * RSS over the chip's registers r: the symmetric key, the redirection
 * table spread round robin over the queues (one byte per entry, 4 per
 * register, as both chips lay it out), the hash in the descriptor, then
 * MRQC.  The hash reaches the descriptor (dedup uses it) only with PCSD;
 * QEMU's igb applies RSS only with it too.
 */
void hpcap_setup_rss(struct hpcap_nic *nic, const struct hpcap_rss_regs *r)
{
	u32 i, j, reta;

	for (i = 0; i < HPCAP_RSS_KEY_WORDS; i++)
		hpcap_wr(nic, r->rssrk + 4 * i, HPCAP_RSS_KEY_WORD);
	for (i = 0; i < HPCAP_RSS_RETA_REGS; i++) {
		for (reta = 0, j = 0; j < 4; j++)
			reta |= ((4 * i + j) % nic->nrxq) << (8 * j);
		hpcap_wr(nic, r->reta + 4 * i, reta);
	}
	hpcap_wr(nic, r->rxcsum, hpcap_rd(nic, r->rxcsum) | r->rxcsum_pcsd);
	hpcap_wr(nic, r->mrqc, r->mrqc_rss | r->mrqc_hash);
}
