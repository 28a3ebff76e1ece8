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
