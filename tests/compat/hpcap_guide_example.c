/*
 * hpcap_guide_example.c - an analyzer written the way HPCAP's User Guide
 * shows libmgmon being used: a handler of the form
 *   void handle_packet(uint8_t *payload, struct pcap_pkthdr *header, void *arg)
 * passed as it is to mgmon_packet_online_loop(cpu, iface, qindex, ...).
 * (Written here for the tests, in that shape; not the guide's text.)
 * It must build with -Wall -Wextra -Werror and read correct headers.
 *
 *   hpcap_guide_example online CPU ADAPTER QUEUE
 *   hpcap_guide_example offline FILE|DIR...
 * prints: frames N bytes B caplen C first SEC.USEC nsec NSEC last SEC.USEC
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmgmon.h>

struct totals {
	unsigned long long frames, bytes, caplen;
	long first_sec, first_usec, last_sec, last_usec;
	unsigned first_nsec;
};

void handle_packet(uint8_t *payload, struct pcap_pkthdr *header, void *arg);

void handle_packet(uint8_t *payload, struct pcap_pkthdr *header, void *arg)
{
	struct totals *t = arg;

	(void)payload;
	if (!t->frames) {
		t->first_sec = (long)header->ts.tv_sec;
		t->first_usec = (long)header->ts.tv_usec;
		t->first_nsec = mgmon_pcap_nsec(header);
	}
	t->last_sec = (long)header->ts.tv_sec;
	t->last_usec = (long)header->ts.tv_usec;
	t->frames++;
	t->bytes += header->len;
	t->caplen += header->caplen;
}

int main(int argc, char **argv)
{
	struct totals data;
	int r;

	memset(&data, 0, sizeof(data));
	if (argc >= 5 && !strcmp(argv[1], "online")) {
		r = mgmon_packet_online_loop(atoi(argv[2]), atoi(argv[3]),
					     atoi(argv[4]), handle_packet, &data);
	} else if (argc >= 3 && !strcmp(argv[1], "offline")) {
		r = mgmon_packet_offline_loop((const char *const *)(argv + 2),
					      argc - 2, handle_packet, &data);
	} else {
		fprintf(stderr, "usage: %s online CPU ADAPTER QUEUE | offline FILE...\n", argv[0]);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "loop: %s\n", mgmon_loop_error());
		return 1;
	}
	printf("frames %llu bytes %llu caplen %llu first %ld.%06ld nsec %u last %ld.%06ld\n",
	       data.frames, data.bytes, data.caplen, data.first_sec,
	       data.first_usec, data.first_nsec, data.last_sec, data.last_usec);
	return 0;
}
