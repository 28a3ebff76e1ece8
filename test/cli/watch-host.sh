#!/bin/sh
# daxpin watch on any machine, as any user: the first event comes while it
# runs (flushed), SIGTERM and SIGINT end it with exit status 0 and an end
# event as the last line, human lines start with an RFC 3339 time, memory
# stays flat over 100 scans, and bad options are one-line usage errors.
# Usage: watch-host.sh DAXPIN
set -u
daxpin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

# watch_until SIGNAL [OPTIONS]: runs watch until its first line is out, then
# sends SIGNAL; the output in $tmp/out, the exit status in $rc
watch_until() {
	sig=$1
	shift
	rm -f "$tmp/out"
	# a shell starts background jobs with SIGINT ignored; a terminal's would not be
	env --default-signal=INT "$daxpin" watch --interval 0.2 "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	until [ -s "$tmp/out" ] || [ $i -gt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$tmp/out" ] && ok "the first event came while it ran (flushed)" || fail "no event within 10 s"
	kill -s "$sig" $pid
	wait $pid
	rc=$?
}

for sig in TERM INT; do
	watch_until $sig --json
	[ $rc = 0 ] && ok "SIG$sig: exit 0" || fail "SIG$sig: exit $rc: $(cat "$tmp/err")"
	[ "$(tail -n 1 "$tmp/out" | jq -r '"\(.event) \(.signal)"')" = "end SIG$sig" ] &&
		ok "SIG$sig: the end event last" || fail "SIG$sig: last line $(tail -n 1 "$tmp/out")"
	[ "$(head -n 1 "$tmp/out" | jq -r .event)" = start ] && ok "the start event first" ||
		fail "first line $(head -n 1 "$tmp/out")"
done
watch_until TERM
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z start scanning every 0\.2 s' "$tmp/out" &&
	ok "human lines: time, event, text" || fail "human line: $(head -n 1 "$tmp/out")"

# memory stays bounded: 100 scans later the peak resident set has not
# grown by 1 MiB. The peak (VmHWM), not VmRSS: a scan's buffers come and go
# (as root, ~11 MB of them), and VmRSS would be sampled in or out of one.
# Under AddressSanitizer no quarantine: it keeps up to 256 MB of freed
# blocks by design, which is growth of its own, not daxpin's.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
	"$daxpin" watch --interval 0.1 --json >"$tmp/out" 2>/dev/null &
pid=$!
sleep 1
rss0=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
sleep 10
rss1=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill -TERM $pid
wait $pid
[ $((rss1 - rss0)) -lt 1024 ] && ok "100 scans: peak RSS $rss0 kB -> $rss1 kB" ||
	fail "100 scans: peak RSS grew from $rss0 kB to $rss1 kB"

for args in "--interval 0" "--interval 0.05" "--interval x" "extra" "--bogus" "--interval"; do
	# shellcheck disable=SC2086 # the arguments are words
	"$daxpin" watch $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
		ok "watch $args: usage error, one line" || fail "watch $args: exit $rc: $(cat "$tmp/err")"
done
exit $failed
