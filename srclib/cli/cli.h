/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - what every hpcap tool's command line shares: strict number
 * parsing that names the bad option, messages prefixed with the program
 * name, and human-readable sizes and times.  Linked into the tools only.
 */
#ifndef HPCAP_CLI_H
#define HPCAP_CLI_H

#include <stdint.h>
#include <stdio.h>

extern const char *cli_prog;

/* Set cli_prog from argv[0]. */
void cli_init(const char *argv0);

/* "prog: message\n" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the message, a hint to --help, and exit(2). */
_Noreturn void cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Report the option getopt_long() just refused (call with opterr = 0, from
 * the '?' case, passing optopt) and exit(2).
 */
_Noreturn void cli_bad_option(int argc, char **argv, int optopt_val);

/*
 * Parse an unsigned decimal (or 0x hex) number into *out; "what" names the
 * option in the error message.  With sizes, the suffixes K, M, G, T (powers
 * of 1024, optional "iB"/"B") are accepted.  Exit(2) with a clear message
 * on anything else, including overflow and trailing junk.
 */
uint64_t cli_parse_u64(const char *what, const char *s, uint64_t max);
uint64_t cli_parse_size(const char *what, const char *s);

/*
 * Parse a time given as Unix seconds with an optional fraction
 * ("1700000000.25") into nanoseconds since the epoch.
 */
uint64_t cli_parse_epoch_ns(const char *what, const char *s);

/*
 * Parse a duration: digits with an optional unit ns, us, ms, s, m or h;
 * without a unit, unit_ns.  Exit(2) naming "what" if it is not one, or is
 * outside [min_ns, max_ns].
 */
uint64_t cli_parse_duration_ns(const char *what, const char *s,
			       uint64_t unit_ns, uint64_t min_ns, uint64_t max_ns);

/* Format bytes as "1.50 GiB" into buf. */
const char *cli_fmt_bytes(char *buf, size_t n, uint64_t bytes);

/* Format a RAW timestamp as "2024-01-31 23:59:59.123456789" (UTC). */
const char *cli_fmt_ts(char *buf, size_t n, uint32_t sec, uint32_t nsec);

#endif /* HPCAP_CLI_H */
