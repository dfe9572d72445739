// SPDX-License-Identifier: BSD-3-Clause
/*
 * mgsource.c - see mgsource.h.
 */
#define _GNU_SOURCE
#include "mgsource.h"
#include "cli.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
	mgmon_break();
}

int mgsource_stop_signal(void)
{
	return stop_sig;
}

static void stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct mgmon *mgsource_open(const struct mgsource *s, int argc, char **argv,
			    int first)
{
	unsigned flags = s->lossy ? MGMON_LOSSY : 0;
	char errbuf[HPCAP_ERRBUF_SIZE];
	struct mgmon *m = NULL;
	int st;

	stop_on_signals();
	if (s->cpu >= 0 && (st = mgmon_pin_cpu(s->cpu)) < 0) {
		cli_err("cannot pin to CPU %d: %s", s->cpu, strerror(-st));
		return NULL;
	}
	if (s->raw)
		st = mgmon_open_offline(&m, (const char *const *)argv + first,
					argc - first, 0, errbuf);
	else if (s->path)
		st = mgmon_open_path(&m, s->path, flags, errbuf);
	else
		st = mgmon_open_live(&m,
				     (unsigned)cli_parse_u64("adapter", argv[first], 1023),
				     (unsigned)cli_parse_u64("queue", argv[first + 1], 1023),
				     flags, errbuf);
	if (st < 0) {
		cli_err("%s", errbuf);
		return NULL;
	}
	return m;
}

int mgsource_loop(const struct mgsource *s, int argc, char **argv, int first,
		  mgmon_packet_handler handler, void *arg)
{
	int st;

	stop_on_signals();
	if (s->raw)
		st = mgmon_packet_offline_loop((const char *const *)argv + first,
					       argc - first, handler, arg);
	else	/* (the live loop pins to s->cpu itself) */
		st = mgmon_packet_online_loop(s->cpu,
			(int)cli_parse_u64("adapter", argv[first], 1023),
			(int)cli_parse_u64("queue", argv[first + 1], 1023),
			handler, arg);
	if (st < 0)
		cli_err("%s", mgmon_loop_error());
	return st;
}
