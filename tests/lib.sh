# shellcheck shell=bash
# tests/lib.sh - helpers for hpcap's shell tests, in the spirit of the kernel
# net selftests: one aligned "ok"/"fail - expected X found Y" line per check,
# exit 0 pass, 1 fail, 4 skip.  Source it, then call t_init "<suite>".

T_PASS=0
T_FAIL=0
T_SUITE=""
T_TMP=""
export T_OUT=""	# output of the last t_run, for t_grep

t_init() {
	T_SUITE=$1
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hpcap-test.XXXXXX")
	trap t_cleanup EXIT
}

t_cleanup() {
	[ -n "$T_TMP" ] && rm -rf "$T_TMP"
}

t_ok() { T_PASS=$((T_PASS + 1)); printf 'ok   %-14s %s\n' "$T_SUITE" "$1"; }

t_fail() {
	T_FAIL=$((T_FAIL + 1))
	printf 'fail %-14s %s - %s\n' "$T_SUITE" "$1" "$2"
}

# t_eq <what> <expected> <found>
t_eq() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else t_fail "$1" "expected '$2' found '$3'"; fi
}

# t_run <what> <expected-exit-status> <command...>: runs it, output in $T_OUT
t_run() {
	local what=$1 want=$2 got=0
	shift 2
	T_OUT=$("$@" 2>&1) || got=$?
	t_eq "$what (exit status)" "$want" "$got"
}

# t_grep <what> <pattern> <text>
t_grep() {
	if grep -qE -- "$2" <<<"$3"; then t_ok "$1"; else
		t_fail "$1" "no match for /$2/ in: $(head -c 300 <<<"$3")"
	fi
}

t_same_file() {
	if cmp -s "$2" "$3"; then t_ok "$1"; else
		t_fail "$1" "$2 and $3 differ: $(cmp "$2" "$3" 2>&1 | head -1)"
	fi
}

t_done() {
	printf '%s: %d passed, %d failed\n' "$T_SUITE" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

t_skip() {
	printf 'skip %-14s %s\n' "$T_SUITE" "$1"
	exit 4
}

# ipv6_off [--netns NS] [IFACE...]: turn IPv6 off (for "all" and "default"
# and each IFACE given), in this network namespace or in NS, so no router
# solicitation or DAD frame reaches a capture.  It writes /proc/sys itself
# (sysctl would do no more, and a minimal system may lack it); a failure
# stops the caller with a message, since stray frames would otherwise show
# up later as a misleading capture mismatch.
ipv6_off() {
	local ns="" k f
	if [ "${1:-}" = --netns ]; then ns=$2; shift 2; fi
	for k in all default "$@"; do
		f=/proc/sys/net/ipv6/conf/$k/disable_ipv6
		if [ -n "$ns" ]; then
			ip netns exec "$ns" sh -c "echo 1 >$f"
		else
			echo 1 >"$f"
		fi || { echo "ipv6_off: cannot write $f${ns:+ in namespace $ns}: IPv6 frames would reach the captures" >&2; exit 1; }
	done
}

# Tests over shared-memory queues (pcap2hpcap replays, no module).
# t_queues: a private queue directory (HPCAP_DEV_DIR under T_TMP) and an
# EXIT trap that kills the background jobs the test put in the array pids
# (with signal T_JOB_SIGNAL, TERM by default), runs t_cleanup_extra (a
# test redefines it when it has more to undo), then t_cleanup.
t_queues() {
	export HPCAP_DEV_DIR=$T_TMP/q
	mkdir -p "$HPCAP_DEV_DIR"
	pids=()
	trap t_end_jobs EXIT
}

t_end_jobs() {
	local p
	for p in "${pids[@]}"; do kill "-${T_JOB_SIGNAL:-TERM}" "$p" 2>/dev/null || true; done
	t_cleanup_extra
	t_cleanup
}
t_cleanup_extra() { :; }	# a test redefines it for more to undo

# t_replay ARGS...: "$bin/pcap2hpcap" ARGS in the background; its pid in
# REPLAY and in pids (so it ends with the test).
# shellcheck disable=SC2154,SC2034 # bin is the test's, REPLAY its to read
t_replay() {
	"$bin/pcap2hpcap" "$@" &
	pids+=($!)
	REPLAY=$!
}

# t_wait_queue A Q: until queue A_Q exists (5 s); 1 if it never appears.
t_wait_queue() {
	local _
	for _ in $(seq 1 100); do
		[ -e "$HPCAP_DEV_DIR/hpcap_$1_$2" ] && return 0
		sleep 0.05
	done
	return 1
}
