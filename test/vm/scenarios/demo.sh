#!/bin/sh
# The README's main-job demo (test/vm/demo runs it): a devdax and an fsdax
# namespace with a few page references held, then a system-RAM device with
# a pipe holding its pages, and daxpin showing them and draining, each
# command echoed as in a terminal. As a test it proves the demo runs end to
# end: every command it shows must succeed.
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$(dirname "$DAXPIN"):$PATH

say() {
	printf '\n$ %s\n' "$*"
	"$@" || { rc=$?; echo "(exit status $rc)"; failed=1; }
}
# say_to FILE CMD...: say, with CMD's output also in FILE as it comes
say_to() {
	file=$1
	shift
	printf '\n$ %s\n' "$*"
	{ "$@" || echo "(exit status $?)"; } | tee -a "$file"
	! grep -q '^(exit status' "$file" || failed=1
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

printf '\n# system RAM: a 512M device onlined movable, 5 of its pages held in a pipe (vmsplice)\n'
echo offline >/sys/devices/system/memory/auto_online_blocks
ram=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 512M | jq -r '.daxregion.devices[0].chardev')
daxctl reconfigure-device -m system-ram "$ram" >/dev/null 2>&1
set -- $(daxctl list -d "$ram" -M | json_array | jq -r '.[0].mappings[0] | "\(.start) \(.end)"')
rm -f /tmp/ram.ready /tmp/ram.release
"$VM_HELPERS/hold-ram" -p "$(printf '%x-%x' $(($1 / 4096)) $(($2 / 4096)))" -k 5 \
	-r /tmp/ram.ready -t /tmp/ram.release >/dev/null &
wait_for /tmp/ram.ready
say daxpin memory --dev "$ram"
say daxpin holders "$ram"
printf '\n# daxctl offline-memory would retry until killed; the drain names the block, and the pipe drains\n'
# released once the drain says which block will not go, and why
: >/tmp/ram-drain.out
(wait_until grep -q 'will not go offline' /tmp/ram-drain.out && touch /tmp/ram.release) &
say_to /tmp/ram-drain.out daxpin drain --timeout 60 "$ram"

printf '\n# all references released\n'
say daxpin list --pinned
exit $failed
