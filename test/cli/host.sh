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
expect_status 0 "$daxpin" list -o NAME,SIZE,PFNS --raw
expect_status 3 "$daxpin" holders /nonexistent/file
expect_status 2 "$daxpin" holders
if "$daxpin" list --json | jq -e '.regions and .dax_regions' >/dev/null; then
	echo "ok: list --json is JSON with regions and dax_regions"
else
	echo "FAIL: list --json"
	failed=1
fi
exit $failed
