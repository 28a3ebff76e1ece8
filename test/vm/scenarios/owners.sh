#!/bin/sh
# Reference owners: a process maps a device, vmsplice()s K pages into a
# pipe, unmaps and closes the device. It maps and opens nothing of the
# device any more; daxpin holders must still name it, as the owner of K
# page references through its pipe fd (ACCESS 'P'), with the pipe's inode
# and end: on a 4K device-dax, a 2M device-dax (K compound folios), after
# the pipe passed to a forked child (the child is named, not the parent),
# through a FIFO opened by path by another process, and for pages of a file
# on XFS -o dax=always. splice() from a DAX file copies (nothing to own).
# Without privilege the owners are null with a reason, never "nobody".
# timeout: 420
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

# pipe_fd PID: "FD INODE" of the pipe or FIFO PID holds, from /proc
pipe_fd() {
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in
		pipe:\[*\]) echo "${f##*/} $(readlink "$f" | tr -dc 0-9)"; return ;;
		/tmp/*fifo) echo "${f##*/} $(stat -L -c %i "$f")"; return ;;
		esac
	done
}

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
out=$("$DAXPIN" holders --json "$fs_ns")
expect "fsdax splice(): no owner" "" \
	"$(echo "$out" | jq -r '.[0].holders[] | select(.references != []) | .pid')"
release_refs h >/dev/null

# --- without privilege: unknown, with the reason --------------------------
hold_refs h -c -k 2 "/dev/$dax4k" >/dev/null
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DAXPIN" holders --json "$dax4k" 2>/dev/null) || true
expect "unprivileged: unattributed unknown" null "$(echo "$out" | jq -r '.[0].unattributed')"
echo "$out" | jq -r '.[0].unattributed_reason' | grep -q 'run as root' ||
	fail "unprivileged: no reason given: $out"
release_refs h >/dev/null

umount /tmp/pmem
exit $failed
