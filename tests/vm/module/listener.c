// SPDX-License-Identifier: BSD-3-Clause
/*
 * listener.c - a test listener on a live queue, built on libhpcap_live.h:
 * reads frame by frame (optionally slowly, optionally lossy), checks every
 * byte of every test frame (send_frames.py and the synthetic source both
 * make frames whose content follows from their sequence number), and can
 * save what it got as a pcap for compare.py.
 *
 *   listener [--lossy] [--slow USEC] [--duration S] [--frames N]
 *            [--hold] [--out FILE.pcap] [--ready FILE] ADAPTER QUEUE
 * --hold: open the queue, then read nothing until SIGUSR1, so that a burst
 * sent meanwhile overruns the buffer whatever the machine's speed.
 *
 * --ready FILE is created once the queue is open.
 * Prints: "frames N bad B gaps G lost L returned R" (R: every frame
 * hpcap_next() returned, including those overtaken while in use, which
 * are not in N) and exits 1 if any frame was bad.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static uint8_t copy[65536];	/* the frame, out of the buffer */

static volatile sig_atomic_t released;

static void on_release(int s)
{
	(void)s;
	released = 1;
}

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

/* 1 good, 0 bad, -1 not a test frame; *seq set for test frames. */
static int check(const struct hpcap_raw_record *r, uint64_t *seq)
{
	static const uint8_t send_src[6] = { 2, 0, 0, 0, 0, 0xaa };
	static const uint8_t synth_src[6] = { 2, 0, 0, 0, 0x5e, 0xad };
	const uint8_t *d = r->data;
	uint32_t k;

	if (r->caplen < 18 || d[12] != 0x88 || d[13] != 0xb5)
		return -1;
	if (!memcmp(d + 6, send_src, 6)) {
		*seq = (uint64_t)d[14] << 24 | d[15] << 16 | d[16] << 8 | d[17];
		for (k = 18; k < r->caplen; k++)
			if (d[k] != (uint8_t)(*seq + k))
				return 0;
		return 1;
	}
	if (!memcmp(d + 6, synth_src, 6) && r->caplen >= 22) {
		memcpy(seq, d + 14, 8);
		for (k = 22; k < r->caplen; k++)
			if (d[k] != (uint8_t)(k * 31 + 7))
				return 0;
		return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lossy", no_argument, NULL, 'l' },
		{ "slow", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "frames", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "hold", no_argument, NULL, 'H' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t frames = 0, bad = 0, gaps = 0, want = 0, next = 0, seq = 0;
	uint64_t returned = 0;
	const char *ready = NULL;
	unsigned slow = 0, duration = 0, flags = 0;
	struct hpcap_pcap_writer *w = NULL;
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_record rec;
	struct hpcap_handle *h;
	const char *out = NULL;
	struct sigaction sa;
	time_t t0;
	int c, st, have_seq = 0, hold = 0;

	while ((c = getopt_long(argc, argv, "ls:d:n:o:Hr:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': flags |= HPCAP_OPEN_LOSSY; break;
		case 's': slow = (unsigned)atoi(optarg); break;
		case 'd': duration = (unsigned)atoi(optarg); break;
		case 'n': want = strtoull(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'H': hold = 1; break;
		case 'r': ready = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: listener [options] ADAPTER QUEUE\n");
		return 2;
	}
	if (hpcap_open(&h, (unsigned)atoi(argv[optind]),
		       (unsigned)atoi(argv[optind + 1]), flags, err) < 0) {
		fprintf(stderr, "listener: %s\n", err);
		return 1;
	}
	if (out && hpcap_pcap_open(&w, out, HPCAP_PCAP_NSEC, 65535, err) < 0) {
		fprintf(stderr, "listener: %s\n", err);
		return 1;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hold) {
		sa.sa_handler = on_release;
		sigaction(SIGUSR1, &sa, NULL);
		while (!released && !stop)
			usleep(10000);
	}
	t0 = time(NULL);
	while (!stop && (!want || frames < want) &&
	       (!duration || time(NULL) - t0 < (time_t)duration)) {
		st = hpcap_next(h, &rec, 200);
		if (st < 0) {
			fprintf(stderr, "listener: %s\n", hpcap_geterr(h));
			break;
		}
		if (!st)
			continue;
		returned++;
		/* A lossy listener may only trust a frame still intact once
		 * it has its own copy: the producer may lap it while it
		 * reads, so copy first, then ask (checking or writing the
		 * frame in the buffer could see bytes being overwritten). */
		memcpy(copy, rec.data, rec.caplen);
		if (!hpcap_frame_valid(h))
			continue;
		rec.data = copy;
		st = check(&rec, &seq);
		frames++;
		if (st == 0)
			bad++;
		if (st == 1) {
			if (have_seq && seq != next)
				gaps++;
			next = seq + 1;
			have_seq = 1;
		}
		if (w)
			hpcap_pcap_write(w, rec.sec, rec.nsec, rec.caplen,
					 rec.len, rec.data);
		if (slow)
			usleep(slow);
	}
	if (w && hpcap_pcap_close(w, err) < 0)
		fprintf(stderr, "listener: %s\n", err);
	printf("frames %llu bad %llu gaps %llu lost %llu returned %llu\n",
	       (unsigned long long)frames, (unsigned long long)bad,
	       (unsigned long long)gaps,
	       (unsigned long long)hpcap_lost_frames(h),
	       (unsigned long long)returned);
	hpcap_close(h);
	return bad ? 1 : 0;
}
