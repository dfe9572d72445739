// SPDX-License-Identifier: BSD-3-Clause
/*
 * cli.c - see cli.h.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *cli_prog = "hpcap";

void cli_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0)
		cli_prog = slash ? slash + 1 : argv0;
}

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
	exit(2);
}

static uint64_t parse(const char *what, const char *s, uint64_t max,
		      int sizes)
{
	uint64_t v, mult = 1;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		cli_usage_error("%s: '%s' is not a number", what, s ? s : "");
	errno = 0;
	/* Decimal, or hexadecimal with 0x; never octal (010 is ten). */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (end == s + 2 && s[1] != '\0' && (s[1] == 'x' || s[1] == 'X'))
		end = (char *)s;
	if (errno == ERANGE)
		cli_usage_error("%s: '%s' is too large", what, s);
	if (end == s)
		cli_usage_error("%s: '%s' is not a number", what, s);
	if (sizes && *end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mult = 1ull << 10; break;
		case 'M': mult = 1ull << 20; break;
		case 'G': mult = 1ull << 30; break;
		case 'T': mult = 1ull << 40; break;
		default: mult = 0; break;
		}
		if (mult) {
			end++;
			if (!strcmp(end, "iB") || !strcmp(end, "B"))
				end += strlen(end);
		}
	}
	if (*end || !mult)
		cli_usage_error("%s: '%s' has trailing characters%s", what, s,
				sizes ? " (sizes take K, M, G or T)" : "");
	if (v > UINT64_MAX / mult || v * mult > max)
		cli_usage_error("%s: '%s' is too large (at most %llu)", what, s,
				(unsigned long long)max);
	return v * mult;
}

void cli_bad_option(int argc, char **argv, int optopt_val)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";

	if (optopt_val && arg[0] == '-' && arg[1] != '-')
		cli_usage_error("unknown option or missing value: -%c", optopt_val);
	cli_usage_error("unknown option or missing value: %s", arg);
}

uint64_t cli_parse_u64(const char *what, const char *s, uint64_t max)
{
	return parse(what, s, max, 0);
}

uint64_t cli_parse_size(const char *what, const char *s)
{
	return parse(what, s, UINT64_MAX, 1);
}

uint64_t cli_parse_epoch_ns(const char *what, const char *s)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	char secs[32];
	uint64_t sec, ns = 0;
	size_t n = dot ? (size_t)(dot - s) : (s ? strlen(s) : 0);

	if (!s || n == 0 || n >= sizeof(secs))
		cli_usage_error("%s: '%s' is not a time in seconds", what,
				s ? s : "");
	memcpy(secs, s, n);
	secs[n] = 0;
	sec = cli_parse_u64(what, secs, UINT32_MAX);
	if (dot) {
		const char *p = dot + 1;
		uint64_t scale = 100000000;

		if (!*p)
			cli_usage_error("%s: '%s' is not a time in seconds",
					what, s);
		for (; *p; p++, scale /= 10) {
			if (!isdigit((unsigned char)*p) || (!scale && *p != '0'))
				cli_usage_error("%s: '%s' is not a time in seconds (at most 9 decimals)",
						what, s);
			ns += (uint64_t)(*p - '0') * scale;
		}
	}
	return sec * 1000000000ull + ns;
}

uint64_t cli_parse_duration_ns(const char *what, const char *s,
			       uint64_t unit_ns, uint64_t min_ns, uint64_t max_ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ull }, { "m", 60000000000ull },
		{ "h", 3600000000000ull },
	};
	size_t n = s ? strspn(s, "0123456789") : 0;
	char num[32];
	uint64_t mult = unit_ns, v;
	unsigned i;

	if (!n || n >= sizeof(num))
		cli_usage_error("%s: '%s' is not a duration such as 100us, 5s or 10m",
				what, s ? s : "");
	memcpy(num, s, n);
	num[n] = 0;
	if (s[n]) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(s + n, units[i].unit))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			cli_usage_error("%s: unknown unit in '%s' (ns, us, ms, s, m or h)",
					what, s);
		mult = units[i].ns;
	}
	v = cli_parse_u64(what, num, UINT64_MAX / mult);
	v *= mult;
	if (v < min_ns || v > max_ns)
		cli_usage_error("%s: %s is out of range", what, s);
	return v;
}

const char *cli_fmt_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, n, "%.2f %s", v, unit[u]);
	return buf;
}

const char *cli_fmt_ts(char *buf, size_t n, uint32_t sec, uint32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char day[32];

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, n, "%s.%09u", day, nsec);
	return buf;
}
