#!/bin/sh
# Usage: host.sh DAXPIN
# The command line on this machine, whatever persistent memory it has (often
# none): the exit-code table for bad input, valid JSON, help and version.
# Real devices are the VM suite's; this catches argument handling and
# sanitizer reports in the paths every invocation takes.
set -u
daxpin=$1
failed=0
expect_status() { # WANT CMD...
	want=$1
	shift
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok: exit $want: $*"
	else
		echo "FAIL: $*: exit $got, expected $want"
		failed=1
	fi
}
expect_status 0 "$daxpin" --version
expect_status 0 "$daxpin" --help
expect_status 2 "$daxpin"
expect_status 2 "$daxpin" frobnicate
expect_status 2 "$daxpin" help frobnicate
expect_status 0 "$daxpin" list --help
expect_status 0 "$daxpin" list -H
expect_status 2 "$daxpin" list --bogus
expect_status 2 "$daxpin" list -o NAME,NOPE
expect_status 2 "$daxpin" list --mode nonsense
expect_status 2 "$daxpin" list stray-argument
expect_status 3 "$daxpin" list --dev dax99.99
expect_status 3 "$daxpin" list --region region99
expect_status 2 "$daxpin" list --timeout 5
expect_status 2 "$daxpin" list --no-bpf -J
expect_status 2 "$daxpin" list --holders --timeout soon
expect_status 0 "$daxpin" list -o NAME,SIZE,PFNS --raw
expect_status 3 "$daxpin" holders /nonexistent/file
expect_status 2 "$daxpin" holders
expect_status 0 "$daxpin" layouts --help
expect_status 0 "$daxpin" layouts -H
expect_status 2 "$daxpin" layouts --timeout 1
expect_status 2 "$daxpin" layouts --wait --timeout soon
expect_status 2 "$daxpin" layouts -o PID,NOPE
expect_status 3 "$daxpin" layouts /nonexistent/file
expect_status 0 "$daxpin" break-layouts --help
expect_status 2 "$daxpin" break-layouts
expect_status 2 "$daxpin" break-layouts --timeout -1 /dev/null
expect_status 3 "$daxpin" break-layouts /nonexistent/file
plain=$(mktemp)
echo data >"$plain"
expect_status 8 "$daxpin" break-layouts "$plain"
expect_status 8 "$daxpin" break-layouts /
if [ "$(cat "$plain")" = data ]; then
	echo "ok: a refused file is unchanged"
else
	echo "FAIL: break-layouts changed a file it refused"
	failed=1
fi
rm -f "$plain"
if "$daxpin" layouts --json | jq -e 'type == "array"' >/dev/null; then
	echo "ok: layouts --json is an array"
else
	echo "FAIL: layouts --json"
	failed=1
fi
if "$daxpin" list --json | jq -e '.regions and .dax_regions' >/dev/null; then
	echo "ok: list --json is JSON with regions and dax_regions"
else
	echo "FAIL: list --json"
	failed=1
fi
exit $failed
