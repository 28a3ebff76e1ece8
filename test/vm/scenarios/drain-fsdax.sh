#!/bin/sh
# Linux 6.1 (stock) only: page references to an fsdax namespace outlive its
# filesystem. With 3 file pages in a pipe (and nothing else holding the
# filesystem) umount returns at once, with no layout break to wait in
# (daxpin layouts --files named the file beforehand); the kernel WARNs in
# dax_disassociate_entry as it evicts the inode whose pages are still
# referenced: that is the expected kernel problem, caused by umount before
# daxpin runs. ndctl disable-namespace would now succeed and the kernel
# oops when the pipe drains (verified-kernel-facts). daxpin drain instead
# waits for the references: a short drain times out naming the pages with
# the namespace enabled, and once they are released the drain disables it.
# expect: oops dax_disassociate_entry
set -eu
. "$(dirname "$0")/lib.sh"

set -- $(ndctl create-namespace -r region0 -m fsdax -s 512M | jq -r '"\(.dev) \(.blockdev)"')
ns=$1 bdev=$2
mkfs.xfs -q -f "/dev/$bdev"
mkdir -p /tmp/pmem
mount -o dax=always "/dev/$bdev" /tmp/pmem
hold_refs file -c -k 3 /tmp/pmem/data
expect "before the unmount: layouts --files names the file and its pages" "/tmp/pmem/data 3" \
	"$("$DAXPIN" layouts --files --json /tmp/pmem | jq -r '.[] | "\(.file) \(.referenced)"')"
umount /tmp/pmem
echo "umount returned with 3 file pages of $bdev in a pipe"
# 6.1 evicts the inode without a layout break: nobody waited
rc=0
"$DAXPIN" layouts || rc=$?
expect "6.1: no task waits in a layout break after the unmount (10)" 10 $rc

set +e
"$DAXPIN" drain --timeout 2 "$bdev" >/tmp/short.out 2>&1
rc=$?
set -e
cat /tmp/short.out
expect "references after the unmount: drain times out (6)" 6 $rc
expect "the pages named" 1 "$(grep -c "^$ns: 3 referenced pages (3 references)" /tmp/short.out)"
expect "$ns still enabled" enabled "$(ns_state "$ns")"

"$DAXPIN" drain --json --timeout 60 "$bdev" >/tmp/drain.out &
drain=$!
until grep -q '"refs":3,' /tmp/drain.out; do sleep 0.1; done
release_refs file
set +e
wait $drain
rc=$?
set -e
cat /tmp/drain.out
expect "released: drain exits 0" 0 $rc
expect "$ns disabled after the references went" disabled "$(ns_state "$ns")"
exit $failed
