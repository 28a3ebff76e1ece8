#!/bin/sh
# Run by test/vm/harness-test from a copy of the tree in a 0700 directory
# under /tmp whose name has a space: what it needs reached the guest, and
# what runs as nobody runs.
set -eu
. "$(dirname "$0")/lib.sh"

case $DAXPIN in *' '*) ;; *) echo "FAIL: DAXPIN has no space: $DAXPIN"; exit 1 ;; esac
ndctl create-namespace -r region0 -m devdax -a 4K -s 64M >/dev/null
hold_refs dev -k 2 /dev/dax0.0
expect "root sees the references" 2 \
	"$("$DAXPIN" list --json | jq '[.. | objects | select(.chardev == "dax0.0") | .refs] | .[0]')"
rc=0
as_nobody daxpin list --json >/tmp/nobody.json || rc=$?
expect "nobody's exit status (listing needs no privilege)" 0 "$rc"
expect "nobody sees the device, without page state" "dax0.0 null" \
	"$(jq -r '[.. | objects | select(.chardev == "dax0.0") | "\(.chardev) \(.refs)"] | .[0]' /tmp/nobody.json)"
release_refs dev
exit $failed
