#!/bin/sh
# The README's main-job demo (test/vm/demo runs it): a devdax and an fsdax
# namespace with a few page references held, and daxpin showing them, each
# command echoed as in a terminal. As a test it proves the demo runs end to
# end: every command it shows must succeed.
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$(dirname "$DAXPIN"):$PATH

say() {
	printf '\n$ %s\n' "$*"
	"$@" || { rc=$?; echo "(exit status $rc)"; failed=1; }
}

say ndctl create-namespace -r region0 -m devdax -a 2M -s 256M
say ndctl create-namespace -r region0 -m fsdax -s 512M
mkdir -p /tmp/pmem
mkfs.xfs -q /dev/pmem0.1
say mount -o dax=always /dev/pmem0.1 /tmp/pmem

printf '\n# hold 3 page references on dax0.0 and 2 on /tmp/pmem/data (vmsplice into pipes)\n'
hold_refs devdax -k 3 -s 2M /dev/dax0.0
hold_refs file -k 2 /tmp/pmem/data

say daxpin list
say daxpin list --pinned
say daxpin holders dax0.0
printf '\n# the references go once the drain waits for them; it waits instead of oopsing\n'
# the drain waits once it holds its lock (flock fails meanwhile)
lock=/run/daxpin/drain-dax0.0.lock
(wait_until sh -c "[ -e $lock ] && ! flock -n $lock true" && touch /tmp/devdax.release) &
say daxpin drain --timeout 30 dax0.0
printf '\n# a same-size truncate of /tmp/pmem/data waits for its referenced pages\n'
truncate -s "$(stat -c %s /tmp/pmem/data)" /tmp/pmem/data &
trunc=$!
# daxpin layouts exits 0 once a thread waits in a layout break (10 before)
wait_until sh -c 'daxpin layouts >/dev/null 2>&1'
say daxpin layouts
kill $trunc		# the wait is interruptible: the truncate ends, nothing changed
wait $trunc || true
printf '\n# the references go once break-layouts waits for them, the file unchanged\n'
(wait_until sh -c 'daxpin layouts >/dev/null 2>&1' && touch /tmp/file.release) &
say daxpin break-layouts /tmp/pmem/data
release_refs devdax
release_refs file
printf '\n# all references released\n'
say daxpin list --pinned
exit $failed
