#!/bin/sh
# Reference owners: a process maps a device, vmsplice()s K pages into a
# pipe, unmaps and closes the device. It maps and opens nothing of the
# device any more; daxpin holders must still name it, as the owner of K
# page references through its pipe fd (ACCESS 'P'), with the pipe's inode
# and end: on a 4K device-dax, a 2M device-dax (K compound folios), after
# the pipe passed to a forked child (the child is named, not the parent),
# through a FIFO opened by path by another process, and for pages of a file
# on XFS -o dax=always. splice() from a DAX file copies (nothing to own).
# io_uring fixed buffers: 'U' where the kernel registers DAX memory (not
# 6.1). Pages moved on into a loopback TCP socket are unattributed; RDMA pins
# (soft-RoCE) give a hint ('R'), never an exact owner.
# Without privilege the owners are null with a reason, never "nobody".
# timeout: 600
set -eu
. "$(dirname "$0")/lib.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

dax4k=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 256M | jq -r '.daxregion.devices[0].chardev')
dax2m=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
fsdax=$(ndctl create-namespace -r region0 -m fsdax -M dev -s 512M) # XFS wants more than 300 MiB
fs_ns=$(echo "$fsdax" | jq -r .dev)
bdev=$(echo "$fsdax" | jq -r .blockdev)
mkfs.xfs -q -f "/dev/$bdev"
mkdir -p /tmp/pmem
mount -o dax=always "/dev/$bdev" /tmp/pmem
echo "devdax $dax4k (4K) and $dax2m (2M), fsdax $fs_ns ($bdev on /tmp/pmem)"

# held NAME: the pid in NAME's ready file (the child's, with -f)
held() { sed -n 's/^ready //p' "/tmp/$1.ready"; }

# refs TARGET: the page references daxpin list counts for a device or namespace
refs() {
	"$DAXPIN" list --json | jq -r --arg t "$1" '.. | objects | select(.chardev == $t or .dev == $t) | .refs' | head -n 1
}

# owns WHAT TARGET PID K END: holders TARGET names PID, and only PID, as the
# owner of K page references through its pipe, exit 0, nothing unattributed
owns() {
	what=$1 target=$2 pid=$3 k=$4 end=$5
	set -- $(pipe_fd "$pid")
	fd=$1 ino=$2
	rc=0
	out=$("$DAXPIN" holders --json "$target") || rc=$?
	expect "$what: holders $target exits 0" 0 "$rc"
	expect "$what: $pid owns $k references through pipe fd $fd" \
		"$pid P pipe $fd $ino $end $k true" \
		"$(echo "$out" | jq -r '.[0].holders[] | select(.references != []) |
			"\(.pid) \(.access) " + (.references[] | "\(.kind) \(.fd) \(.inode) \(.end) \(.pages) \(.exact)")')"
	expect "$what: no reference of $target unattributed" 0 "$(echo "$out" | jq -r '.[0].unattributed')"
	expect "$what: concise" "$target: ${pid}P" "$("$DAXPIN" holders "$target")"
	echo "$what: $("$DAXPIN" holders -o PID,ACCESS,COMMAND,REFS,MAPPED "$target" | tail -n 1)"
}

# --- vmsplice, unmap, close: the pipe is all that is left -----------------
hold_refs h -c -k 7 "/dev/$dax4k" >/dev/null
expect "4K: list counts 7 references" 7 "$(refs "$dax4k")"
owns "4K" "$dax4k" "$(held h)" 7 read
# for the README and the man page
"$DAXPIN" holders --json "$dax4k" >"$RESULTS/holders-4k.json"
"$DAXPIN" holders -o TARGET,PID,ACCESS,COMMAND,REFS "$dax4k" >"$RESULTS/holders-4k.txt"
expect "4K: list --pinned -v names the owner of the busy folios" "$(held h)" \
	"$("$DAXPIN" list --pinned -v --json | jq -r --arg t "$dax4k" '[.. | objects | select(.chardev == $t) | .busy[].owners[]] | unique | join(" ")')"
rc=0
out=$("$DAXPIN" holders --no-owners --json "$dax4k") || rc=$?
expect "4K --no-owners: nobody seen, exit 10, unattributed unknown" "10 null" \
	"$rc $(echo "$out" | jq -r '.[0].unattributed')"
release_refs h >/dev/null
rc=0
"$DAXPIN" holders "$dax4k" >/dev/null || rc=$?
expect "4K: after release nobody (exit 10)" 10 "$rc"

hold_refs h -c -k 3 -s 2M "/dev/$dax2m" >/dev/null
expect "2M: list counts 3 references" 3 "$(refs "$dax2m")"
owns "2M" "$dax2m" "$(held h)" 3 read
# the namespace of the device has the same owner
expect "2M: the namespace's holder" "$(held h)P" \
	"$("$DAXPIN" holders "$(ndctl list -N | jq -r --arg d "$dax2m" '.[] | select(.chardev == $d) | .dev')" | sed 's/^[^ ]* //')"
release_refs h >/dev/null

# --- fork: the child holds the pipe, the parent closed its end ------------
hold_refs h -c -f -k 5 "/dev/$dax4k" >/dev/null
parent=$(cat /tmp/h.pid)
child=$(held h)
[ "$parent" != "$child" ] || fail "fork: hold-refs did not fork"
owns "fork" "$dax4k" "$child" 5 read
release_refs h >/dev/null

# --- FIFO: another process opened it by path; the splicer is gone ---------
rm -f /tmp/owners-fifo
hold_refs h -c -p /tmp/owners-fifo -k 4 "/dev/$dax4k" >/dev/null
sleep 600 </tmp/owners-fifo &
reader=$!
# the splicer may go only once the reader has the FIFO open
i=0
until [ "$(readlink "/proc/$reader/fd/0" 2>/dev/null)" = /tmp/owners-fifo ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "FIFO: the reader did not open it"
	sleep 0.1
done
release_refs h >/dev/null
expect "FIFO: list still counts 4 references" 4 "$(refs "$dax4k")"
owns "FIFO" "$dax4k" "$reader" 4 read
kill "$reader"
wait "$reader" 2>/dev/null || true
expect "FIFO: reader gone, no references" 0 "$(refs "$dax4k")"

# --- fsdax: pages of a file mapped from XFS -o dax=always -----------------
hold_refs h -c -k 3 /tmp/pmem/spliced >/dev/null
expect "fsdax: list counts 3 references" 3 "$(refs "$fs_ns")"
owns "fsdax by namespace" "$fs_ns" "$(held h)" 3 read
owns "fsdax by mount point" /tmp/pmem "$(held h)" 3 read
release_refs h >/dev/null

# splice() from the DAX file itself: the kernel copies file data into pipe
# pages of its own (copy_splice_read on DAX), so no page of the device is
# referenced and there is no owner to find
hold_refs h -m file-splice -c -k 3 /tmp/pmem/spliced >/dev/null
expect "fsdax splice(): no device page referenced" 0 "$(refs "$fs_ns")"
out=$("$DAXPIN" holders --json "$fs_ns") || true
expect "fsdax splice(): no owner" "" \
	"$(echo "$out" | jq -r '.[0].holders[] | select(.references != []) | .pid')"
release_refs h >/dev/null

# --- io_uring fixed buffers ----------------------------------------------
# 6.1 refuses to register DAX memory (EOPNOTSUPP); later kernels accept
# device-dax. Registered, the ring owns the pages: 'U', exact.
rm -f /tmp/ring.ready /tmp/ring.release
"$VM_HELPERS/hold-refs" -m uring -c -k 4 -r /tmp/ring.ready -t /tmp/ring.release \
	"/dev/$dax4k" >/dev/null 2>/tmp/ring.err &
ring=$!
while [ ! -e /tmp/ring.ready ] && kill -0 "$ring" 2>/dev/null; do sleep 0.1; done
if [ -e /tmp/ring.ready ]; then
	[ "$KERNEL_FLAVOR" = current ] || fail "io_uring: $KVER registered DAX memory"
	expect "io_uring: list counts 4 pins" "4096 4" \
		"$("$DAXPIN" list --json | jq -r --arg t "$dax4k" '.. | objects | select(.chardev == $t) | "\(.refs) \(.pinned)"' | head -n 1)"
	out=$("$DAXPIN" holders --json "$dax4k") || true
	expect "io_uring: $ring owns 4 registered pages" "$ring U io_uring 4 true" \
		"$(echo "$out" | jq -r '.[0].holders[] | select(.references != []) |
			"\(.pid) \(.access) " + (.references[] | "\(.kind) \(.pages) \(.exact)")')"
	expect "io_uring: nothing unattributed" 0 "$(echo "$out" | jq -r '.[0].unattributed')"
	echo "io_uring: $("$DAXPIN" holders "$dax4k")"
	touch /tmp/ring.release
	wait "$ring"
else
	rc=0
	wait "$ring" || rc=$?
	cat /tmp/ring.err
	expect "io_uring: $KVER refuses DAX memory (EOPNOTSUPP)" "stock 95" "$KERNEL_FLAVOR $rc"
fi

# --- loopback TCP: the pages move on from the pipe into a socket's queue --
# Nothing follows sockets to their pages: the references are counted as
# unattributed, and nobody is named for them.
ip link set lo up
hold_refs h -c -T -k 6 "/dev/$dax4k" >/dev/null
tcp_refs=$(refs "$dax4k")
echo "TCP: list counts $tcp_refs references for 6 pages sent"
[ "$tcp_refs" -gt 0 ] || fail "TCP: the socket holds no reference"
out=$("$DAXPIN" holders --json "$dax4k") || true
expect "TCP: no owner, all unattributed" "0 $tcp_refs" \
	"$(echo "$out" | jq -r '"\([.[0].holders[] | select(.references != [])] | length) \(.[0].unattributed)"')"
echo "TCP: $("$DAXPIN" holders "$dax4k")"
release_refs h >/dev/null

# --- RDMA (soft-RoCE): pinned, device closed: a hint, marked as one -------
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
hold_refs pin -m pin -c -k 3 -s 2M "/dev/$dax2m" >/dev/null
out=$("$DAXPIN" holders --json "$dax2m") || true
expect "RDMA: $(held pin) named as a hint, not exact" "$(held pin) R rdma-hint false null" \
	"$(echo "$out" | jq -r '.[0].holders[] | select(.references != []) |
		"\(.pid) \(.access) " + (.references[] | "\(.kind) \(.exact) \(.pages)")')"
expect "RDMA: the 3 pins unattributed" 3 "$(echo "$out" | jq -r '.[0].unattributed')"
echo "RDMA: $("$DAXPIN" holders "$dax2m")"
release_refs pin >/dev/null

# --- without privilege: unknown, with the reason --------------------------
hold_refs h -c -k 2 "/dev/$dax4k" >/dev/null
out=$(as_nobody daxpin holders --json "$dax4k" 2>/dev/null) || true
expect "unprivileged: unattributed unknown" null "$(echo "$out" | jq -r '.[0].unattributed')"
echo "$out" | jq -r '.[0].unattributed_reason' | grep -q 'run as root' ||
	fail "unprivileged: no reason given: $out"
release_refs h >/dev/null

umount /tmp/pmem
exit $failed
