#!/bin/sh
# daxpin list --format prometheus on any machine, as any user: promtool
# (Debian's prometheus package) accepts the output; --output-file replaces
# the file atomically, leaves no temporary file, keeps the old content when
# the run fails, and refuses the options it cannot honour.
# Usage: metrics-host.sh DAXPIN
set -u
daxpin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

"$daxpin" list --format prometheus >"$tmp/stdout.prom" 2>/dev/null
if promtool check metrics <"$tmp/stdout.prom"; then ok "promtool accepts the output"; else fail "promtool rejects the output"; fi
for m in daxpin_page_state_available daxpin_holders_complete daxpin_layout_waiters \
	daxpin_layout_wait_longest_seconds daxpin_scan_duration_seconds; do
	[ "$(grep -c "^# TYPE $m gauge$" "$tmp/stdout.prom")" = 1 ] && ok "$m: one TYPE line" ||
		fail "$m: not exactly one TYPE line"
done
grep -q '^daxpin_scan_duration_seconds [0-9.]*$' "$tmp/stdout.prom" && ok "no timestamps" ||
	fail "daxpin_scan_duration_seconds sample malformed"

echo old >"$tmp/daxpin.prom"
"$daxpin" list --format prometheus --output-file "$tmp/daxpin.prom" 2>/dev/null
rc=$?
[ $rc = 0 ] && promtool check metrics <"$tmp/daxpin.prom" && ok "--output-file written" ||
	fail "--output-file: exit $rc or invalid content"
[ "$(stat -c %a "$tmp/daxpin.prom")" = 644 ] && ok "--output-file is world-readable" ||
	fail "--output-file mode $(stat -c %a "$tmp/daxpin.prom")"
[ "$(ls -A "$tmp" | grep -c '^\.')" = 0 ] && ok "no temporary file left" || fail "temporary file left: $(ls -A "$tmp")"
# a temporary file no run holds is a killed run's: removed, said so; one a
# run holds (flock, as daxpin holds its own until the rename) is kept
: >"$tmp/.daxpin.prom.Ab12Cd"
: >"$tmp/.other.prom.Ef34Gh"
mkfifo "$tmp/fifo"
exec 7<>"$tmp/fifo"
flock "$tmp/.daxpin.prom.Held99" -c "touch '$tmp/locked'; read x <&7" &
holder=$!
i=0
while [ ! -e "$tmp/locked" ] && [ $((i += 1)) -le 100 ]; do sleep 0.1; done
"$daxpin" list --format prometheus --output-file "$tmp/daxpin.prom" 2>"$tmp/err" >/dev/null
[ "$(grep -c "^daxpin list: removed '$tmp/.daxpin.prom.Ab12Cd', left by a run that was killed before it finished$" "$tmp/err")" = 1 ] &&
	ok "a killed run's temporary file removed, in one line" || fail "stale temporary file: stderr $(cat "$tmp/err")"
[ "$(LC_ALL=C ls -A "$tmp" | grep '^\.' | tr '\n' ' ')" = ".daxpin.prom.Held99 .other.prom.Ef34Gh " ] &&
	ok "a held temporary file and another file's kept" || fail "left: $(ls -A "$tmp" | tr '\n' ' ')"
echo >&7
wait $holder
exec 7>&-
rm -f "$tmp/.daxpin.prom.Held99" "$tmp/.other.prom.Ef34Gh" "$tmp/fifo" "$tmp/locked"
"$daxpin" list --json --output-file "$tmp/list.json" 2>/dev/null && jq -e .schema_version "$tmp/list.json" >/dev/null &&
	ok "--json --output-file" || fail "--json --output-file"

# failures change nothing: exit code, one line, the old file kept
check_usage() {
	want=$1
	shift
	cp "$tmp/daxpin.prom" "$tmp/before"
	"$daxpin" list "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = "$want" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
	   cmp -s "$tmp/before" "$tmp/daxpin.prom"; then
		ok "list $*: exit $want, one line, nothing changed"
	else
		fail "list $*: exit $rc (want $want), stderr: $(cat "$tmp/err")"
	fi
}
check_usage 2 --format xml
check_usage 2 --format prometheus -J
check_usage 2 --format prometheus -o NAME
check_usage 2 --format prometheus -v
check_usage 2 --output-file "$tmp/daxpin.prom"
check_usage 2 --format prometheus --output-file "$tmp/daxpin.prom" --dev
check_usage 1 --format prometheus --output-file "$tmp/no-such-dir/daxpin.prom"
exit $failed
