// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap-hwtstamp - turn a NIC's hardware RX timestamping on or off with the
 * standard SIOCSHWTSTAMP call, so hpcap's generic source records the NIC's
 * own timestamps (it uses them whenever a frame carries one).
 *
 *   hpcap-hwtstamp <iface> on|off|show
 */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <errno.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(void)
{
	printf("Usage: %s <iface> on|off|show\n"
	       "\n"
	       "on:   the NIC stamps every received frame (HWTSTAMP_FILTER_ALL);\n"
	       "      hpcap's generic source then records those stamps.\n"
	       "off:  no hardware stamps; hpcap stamps frames with the system clock.\n"
	       "show: print the current setting.\n"
	       "The NIC's clock must be disciplined (e.g. phc2sys) for its stamps to\n"
	       "be wall-clock time.  Needs CAP_NET_ADMIN for on/off.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help     show this help\n"
	       "  -V, --version  show the version\n"
	       "\n"
	       "Exit status: 0 done; 1 the NIC refused (or has no hardware\n"
	       "timestamping); 2 usage.\n",
	       cli_prog);
}

static const char *filter_name(int f)
{
	static char other[48];

	switch (f) {
	case HWTSTAMP_FILTER_NONE: return "off";
	case HWTSTAMP_FILTER_ALL: return "all frames";
	case HWTSTAMP_FILTER_SOME: return "some frames";
	case HWTSTAMP_FILTER_PTP_V1_L4_EVENT ... HWTSTAMP_FILTER_PTP_V2_DELAY_REQ:
		return "PTP frames only";
	default:
		snprintf(other, sizeof(other), "filter %d", f);
		return other;
	}
}

int main(int argc, char **argv)
{
	struct hwtstamp_config cfg = { 0 };
	struct ifreq ifr;
	int fd, cmd;

	cli_init(argv[0]);
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("%s %s\n", cli_prog, HPCAP_VERSION);
		return 0;
	}
	if (argc != 3)
		cli_usage_error("need <iface> on|off|show");
	if (strlen(argv[1]) >= IFNAMSIZ)
		cli_usage_error("interface name '%s' is too long", argv[1]);
	if (!strcmp(argv[2], "on")) {
		cmd = SIOCSHWTSTAMP;
		cfg.rx_filter = HWTSTAMP_FILTER_ALL;
	} else if (!strcmp(argv[2], "off")) {
		cmd = SIOCSHWTSTAMP;
		cfg.rx_filter = HWTSTAMP_FILTER_NONE;
	} else if (!strcmp(argv[2], "show")) {
		cmd = SIOCGHWTSTAMP;
	} else {
		cli_usage_error("'%s': say on, off or show", argv[2]);
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, argv[1]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (cmd == SIOCSHWTSTAMP) {
		/* Keep the TX side as it is (ptp4l may rely on it). */
		struct hwtstamp_config cur = { 0 };

		ifr.ifr_data = (void *)&cur;
		cfg.tx_type = fd >= 0 && ioctl(fd, SIOCGHWTSTAMP, &ifr) == 0 ?
			      cur.tx_type : HWTSTAMP_TX_OFF;
	}
	ifr.ifr_data = (void *)&cfg;
	if (fd < 0 || ioctl(fd, cmd, &ifr) < 0) {
		int e = errno;

		cli_err("%s: %s%s", argv[1], strerror(e),
			e == EOPNOTSUPP || e == EINVAL ?
			" (this NIC or driver has no hardware RX timestamping)" :
			e == ERANGE ?
			" (the NIC can not stamp every received frame)" :
			e == EPERM ? " (needs CAP_NET_ADMIN)" :
			e == ENODEV ? " (no such interface)" : "");
		return 1;
	}
	close(fd);
	if (cmd == SIOCSHWTSTAMP && cfg.rx_filter != HWTSTAMP_FILTER_ALL &&
	    !strcmp(argv[2], "on"))
		printf("%s: hardware RX timestamps on (%s; the NIC can not stamp every frame)\n",
		       argv[1], filter_name(cfg.rx_filter));
	else
		printf("%s: hardware RX timestamps %s\n", argv[1],
		       filter_name(cfg.rx_filter));
	return 0;
}
