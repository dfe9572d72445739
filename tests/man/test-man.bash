#!/usr/bin/env bash
# test-man.bash - check the manual page and the command line of every tool
# in samples/<tool>/ against each other.
#
#   tests/man/test-man.bash [BINDIR]     (BINDIR defaults to build/bin)
#
# For each tool: its man page samples/<tool>/<tool>.1 renders without any
# groff warning; --help exits 0 and prints a Usage line; every long option
# named in the --help output appears in the rendered man page; an unknown
# option exits 2 with a message on stderr.  One line per check, "ok WHAT" or
# "fail WHAT - DETAIL"; the exit status is 1 if any check failed.
# Needs groff (Debian package groff-base).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bindir=${1:-$root/build/bin}
# Resolve a relative BINDIR against the caller's directory, not the root.
if [[ -d $bindir ]]; then
	bindir=$(cd "$bindir" && pwd)
fi

failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { printf 'ok %s\n' "$1"; }
fail() {
	printf 'fail %s - %s\n' "$1" "$2"
	failed=1
}

# First line of a file, for failure details ("(empty)" if none).
first_line() {
	local line=""
	IFS= read -r line <"$1" || true
	printf '%s' "${line:-(empty)}"
}

if ! command -v groff >/dev/null 2>&1; then
	fail "groff" "groff is not installed (Debian package groff-base)"
	exit 1
fi
if [[ ! -d $bindir ]]; then
	fail "bindir" "$bindir is not a directory (run 'make tools' first?)"
	exit 1
fi

tools=()
for dir in "$root"/samples/*/; do
	tool=$(basename "$dir")
	[[ -f $dir/$tool.c ]] && tools+=("$tool")
done
if ((${#tools[@]} == 0)); then
	fail "tools" "no samples/<tool>/<tool>.c found under $root"
	exit 1
fi

for tool in "${tools[@]}"; do
	page=$root/samples/$tool/$tool.1
	bin=$bindir/$tool

	# 1. The man page exists and renders with no warning at all (-ww).
	if [[ ! -f $page ]]; then
		fail "$tool man page" "samples/$tool/$tool.1 is missing"
		have_page=0
	elif groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff.err" &&
		[[ ! -s $tmp/groff.err ]]; then
		ok "$tool man page renders without warnings"
		have_page=1
	else
		fail "$tool man page renders without warnings" "$(first_line "$tmp/groff.err")"
		have_page=1
	fi

	if [[ ! -x $bin ]]; then
		fail "$tool binary" "$bin is missing or not executable"
		continue
	fi

	# 2. --help exits 0 and prints a Usage line on stdout.
	status=0
	"$bin" --help >"$tmp/help.out" 2>"$tmp/help.err" || status=$?
	if ((status != 0)); then
		fail "$tool --help exits 0" "exit status $status: $(first_line "$tmp/help.err")"
	elif ! grep -q '^Usage: ' "$tmp/help.out"; then
		fail "$tool --help prints a Usage line" "first line: $(first_line "$tmp/help.out")"
	else
		ok "$tool --help exits 0 with a Usage line"
	fi

	# 3. Every long option of --help is in the man page.  The page is
	# rendered as plain ASCII (no bold or underline), with lines wide
	# enough and hyphenation off, so that no option is split.
	if ((have_page)); then
		groff -man -Tascii -rLL=300n -rHY=0 -P-c -P-b -P-o -P-u \
			"$page" >"$tmp/page.txt" 2>/dev/null || true
		mapfile -t longopts < <(grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' \
			"$tmp/help.out" | sort -u)
		if ((${#longopts[@]} == 0)); then
			fail "$tool long options documented" "no long option found in --help"
		fi
		for opt in "${longopts[@]}"; do
			if grep -qE -- "(^|[^a-z0-9-])${opt}([^a-z0-9-]|\$)" "$tmp/page.txt"; then
				ok "$tool man page documents $opt"
			else
				fail "$tool man page documents $opt" "$opt is in --help but not in $tool.1"
			fi
		done
	fi

	# 4. An unknown option exits 2 with a message on stderr.
	status=0
	"$bin" --no-such-option-xyzzy >"$tmp/bad.out" 2>"$tmp/bad.err" </dev/null ||
		status=$?
	if ((status != 2)); then
		fail "$tool unknown option exits 2" "exit status $status"
	elif [[ ! -s $tmp/bad.err ]]; then
		fail "$tool unknown option prints a message on stderr" "stderr is empty"
	else
		ok "$tool unknown option exits 2 with a message on stderr"
	fi
done

exit "$failed"
