#!/bin/sh
# daxpin holders and daxpin list --holders name exactly the processes this
# scenario starts: a mapper of a device-dax device, a mapper of a file on
# XFS -o dax=always, openers that do not map, a process in its own mount
# namespace (own tmpfs /dev with a mknod'ed node, the filesystem under
# another path) mapping both, and short-lived mappers that exit while the
# scans run. Where fuser can see a holder, it agrees.
# timeout: 300
set -eu
. "$(dirname "$0")/lib.sh"


fail() {
	echo "FAIL: $*"
	exit 1
}

ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
ndctl create-namespace -r region0 -m fsdax -s 512M >/dev/null
dax_ns=$(ndctl list -N | jq -r '.[] | select(.mode == "devdax") | .dev')
fs_ns=$(ndctl list -N | jq -r '.[] | select(.mode == "fsdax") | .dev')
bdev=$(ndctl list -N | jq -r '.[] | select(.mode == "fsdax") | .blockdev')
majmin=$(stat -c '%t %T' /dev/dax0.0)
echo "devdax $dax_ns (dax0.0, $majmin hex), fsdax $fs_ns ($bdev)"
mkfs.xfs -q -f "/dev/$bdev"
mkdir -p /tmp/pmem
mount -o dax=always "/dev/$bdev" /tmp/pmem
grep -q 'dax=always' /proc/self/mountinfo || fail "XFS not mounted with dax=always"

# --- the holders ---------------------------------------------------------
hold_refs devmap -m map -l 2M /dev/dax0.0	# maps and keeps its fd: fm
devmap=$(cat /tmp/devmap.pid)
hold_refs fsmap -m touch -k 1 /tmp/pmem/a	# fm, 4 KiB
fsmap=$(cat /tmp/fsmap.pid)
sleep 600 </dev/dax0.0 &			# opens, never maps: f
devopen=$!
sleep 600 </tmp/pmem/a &
fsopen=$!

# Its own /dev (tmpfs, the node made by mknod) and the DAX filesystem bound
# to another path with the original unmounted: neither path nor the dev:inode
# of our /dev/dax0.0 appears in its maps, only the device number does.
rm -f /tmp/ns.ready /tmp/ns.release
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c '
	set -e
	mount -t tmpfs tmpfs /dev
	mknod /dev/ns-dax c $((0x$1)) $((0x$2))
	mknod /dev/null c 1 3	# background jobs read it
	mkdir -p /tmp/ns-view
	mount --bind /tmp/pmem /tmp/ns-view
	umount /tmp/pmem
	"$VM_HELPERS/hold-refs" -m map -l 2M -t /tmp/ns.release /dev/ns-dax >/dev/null &
	echo $! >/tmp/nsdax.pid
	exec "$VM_HELPERS/hold-refs" -m touch -k 1 -r /tmp/ns.ready -t /tmp/ns.release /tmp/ns-view/a
' ns $majmin >/dev/null &
nsfile=$!
wait_for /tmp/ns.ready
nsdax=$(cat /tmp/nsdax.pid)
i=0
until grep -q ns-dax "/proc/$nsdax/maps" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the namespaced device mapper did not start"
	sleep 0.1
done
grep ns-dax "/proc/$nsdax/maps"
grep ns-view "/proc/$nsfile/maps"

# Short-lived mappers: map the device and exit at once, over and over,
# while the scans run. They may or may not be caught; nothing may break.
touch /tmp/churn.go /tmp/churn.pids
(
	while [ ! -e /tmp/churn.stop ]; do
		# logs its pid before it maps, so no scan can see it unlogged
		# shellcheck disable=SC2016
		sh -c 'echo $$ >>/tmp/churn.pids; exec "$1" -m map -l 2M -t /tmp/churn.go /dev/dax0.0' \
			churn "$VM_HELPERS/hold-refs" >/dev/null 2>&1
	done
) &
churn=$!

echo "devmap=$devmap devopen=$devopen nsdax=$nsdax fsmap=$fsmap fsopen=$fsopen nsfile=$nsfile"

# --- checks --------------------------------------------------------------
if DAXPIN_LOG=debug "$DAXPIN" holders --pids dax0.0 2>&1 | grep 'BPF iterators not used'; then
	fail "root should scan with BPF iterators on this kernel"
fi
# holders_are TARGET "PID ACCESS" lines: the holders daxpin names, the churn
# left out, the same with BPF iterators (root's default) and from /proc
holders_are() {
	want=$(echo "$2" | sort -n | tr '\n' ,)
	for how in "" --no-bpf; do
		rc=0
		# shellcheck disable=SC2086 # $how is empty or one option
		"$DAXPIN" holders $how --json "$1" >/tmp/h.json || rc=$?
		jq -e '.[0].complete == true' /tmp/h.json >/dev/null ||
			fail "$1 $how: incomplete: $(jq -r '.[0].reason' /tmp/h.json)"
		got=$(jq -r '.[0].holders[] | "\(.pid) \(.access)"' /tmp/h.json |
			grep -v -w -F -f /tmp/churn.pids | sort -n | tr '\n' ,)
		echo "holders $how $1: $got"
		[ "$got" = "$want" ] || fail "$1 $how: want '$want', got '$got'"
		[ "$rc" = 0 ] || fail "$1 $how: exit status $rc with holders"
	done
}

devdax_holders="$devmap fm
$devopen f
$nsdax fm"
fsdax_holders="$fsmap fm
$fsopen f
$nsfile fm"
for t in dax0.0 /dev/dax0.0 "$dax_ns"; do
	holders_are "$t" "$devdax_holders"
done
for t in /tmp/pmem/a /tmp/pmem "$bdev" "/dev/$bdev" "$fs_ns"; do
	holders_are "$t" "$fsdax_holders"
done

# sizes: 2 MiB of the device, 4 KiB of the file, shared and writable
"$DAXPIN" holders --json dax0.0 /tmp/pmem/a >/tmp/h.json
jq -e --argjson p "$nsdax" '.[0].holders[] | select(.pid == $p) |
	.mapped_bytes == 2097152 and .shared and .writable and .fds == 1' /tmp/h.json >/dev/null ||
	fail "namespaced device mapper: wrong mapping facts"
jq -e --argjson p "$devmap" '.[0].holders[] | select(.pid == $p) | .fds == 1' /tmp/h.json >/dev/null ||
	fail "device mapper: one fd expected"
jq -e --argjson p "$fsmap" '.[1].holders[] | select(.pid == $p) | .mapped_bytes == 4096' /tmp/h.json >/dev/null ||
	fail "file mapper: 4096 bytes expected"

# the other outputs say the same
"$DAXPIN" holders -v dax0.0 /tmp/pmem
# (into a file first: a pipe's grep would read churn.pids before the scan ends)
"$DAXPIN" holders --pids dax0.0 >/tmp/pids.txt
pids=$(grep -v -w -F -f /tmp/churn.pids /tmp/pids.txt | tr '\n' ' ')
[ "$pids" = "$(printf '%s\n' $devmap $devopen $nsdax | sort -n | tr '\n' ' ')" ] || fail "--pids: $pids"
"$DAXPIN" holders dax0.0 | grep -q "^dax0.0: .*$nsdax" || fail "concise output lacks $nsdax"

# The churn ends here: fuser's view is compared exactly, and the churn
# filter below would race with fuser's scan in the pipe.
touch /tmp/churn.stop
wait $churn

# fuser finds the holders in our mount namespace; daxpin those and the other
fuser_pids() {
	fuser "$1" 2>/dev/null | grep -o '[0-9]\+' | grep -v -w -F -f /tmp/churn.pids | sort -n | tr '\n' ' ' || true
}
fuser -v /dev/dax0.0 /tmp/pmem/a || true
f=$(fuser_pids /dev/dax0.0)
[ "$f" = "$(printf '%s\n' $devmap $devopen | sort -n | tr '\n' ' ')" ] ||
	fail "fuser /dev/dax0.0 sees '$f'; daxpin agrees only on $devmap $devopen"
f=$(fuser_pids /tmp/pmem/a)
for p in $f; do
	echo "$fsdax_holders" | grep -q "^$p " || fail "fuser sees $p on /tmp/pmem/a, daxpin does not"
done

# list --holders: the same processes per namespace and dax device
"$DAXPIN" list --holders -o NAME,DEV,HOLDERS
"$DAXPIN" list --holders --json >/tmp/l.json
got=$(jq -r --arg d "$dax_ns" '.regions[].namespaces[] | select(.dev == $d) |
	.daxregion.devices[0].holders[].pid' /tmp/l.json | grep -v -w -F -f /tmp/churn.pids | sort -n | tr '\n' ' ')
[ "$got" = "$(printf '%s\n' $devmap $devopen $nsdax | sort -n | tr '\n' ' ')" ] ||
	fail "list --holders dax0.0: $got"
got=$(jq -r --arg d "$fs_ns" '.regions[].namespaces[] | select(.dev == $d) |
	.holders[].pid' /tmp/l.json | sort -n | tr '\n' ' ')
[ "$got" = "$(printf '%s\n' $fsmap $fsopen $nsfile | sort -n | tr '\n' ' ')" ] ||
	fail "list --holders $fs_ns: $got"
# list's holders scan takes daxpin holders' -t and --no-bpf: /proc gives the
# same processes (no time limit), and a limit of 1 ms stops the /proc scan
# of this guest's processes part way, which the result says
"$DAXPIN" list --holders --no-bpf -t 0 --json >/tmp/l-proc.json
got=$(jq -r --arg d "$dax_ns" '.regions[].namespaces[] | select(.dev == $d) |
	.daxregion.devices[0].holders[].pid' /tmp/l-proc.json | grep -v -w -F -f /tmp/churn.pids | sort -n | tr '\n' ' ')
[ "$got" = "$(printf '%s\n' $devmap $devopen $nsdax | sort -n | tr '\n' ' ')" ] ||
	fail "list --holders --no-bpf dax0.0: $got"
jq -e '.holders_complete == true' /tmp/l-proc.json >/dev/null || fail "list --holders --no-bpf -t 0: incomplete"
"$DAXPIN" list --holders --no-bpf -t 0.001 --json >/tmp/l-short.json
jq -e '.holders_complete == false and (.holders_reason | test("time limit"))' /tmp/l-short.json >/dev/null ||
	fail "list --holders -t 0.001: $(jq -c '[.holders_complete, .holders_reason]' /tmp/l-short.json)"

# unprivileged: cannot see root's processes, so it must not claim "none"
rc=0
as_nobody daxpin holders --json dax0.0 >/tmp/u.json || rc=$?
cat /tmp/u.json
[ "$rc" = 4 ] || fail "unprivileged: exit status $rc, want 4 (nothing readable)"
jq -e '.[0].complete == false and (.[0].reason | test("not readable"))' /tmp/u.json >/dev/null ||
	fail "unprivileged: not marked incomplete"

# Open files on a network file system (the results share: 9p asks its
# server at every stat). Siblings started in turn, so one /proc worker
# meets them in this order, hold fd 3 on one 9p file, then on another,
# then on the device, then on the first again: the scan identifies a
# repeat by its fdinfo instead of a stat, and no sibling takes the
# previous one's file.
netfs_a=$RESULTS/netfs-a
netfs_b=$RESULTS/netfs-b
: >"$netfs_a"
: >"$netfs_b"
netfs_pids=""
for f in "$netfs_a" "$netfs_a" "$netfs_b" /dev/dax0.0 "$netfs_a"; do
	sleep 600 3<"$f" &
	netfs_pids="$netfs_pids $!"
done
set -- $netfs_pids
for p; do
	wait_until test -e "/proc/$p/fd/3"
done
holders_are "$netfs_a" "$1 f
$2 f
$5 f"
holders_are "$netfs_b" "$3 f"
holders_are dax0.0 "$devdax_holders
$4 f"
DAXPIN_LOG=debug "$DAXPIN" holders --no-bpf "$netfs_a" 2>&1 >/dev/null | grep 'identified by fdinfo' ||
	fail "holders --no-bpf $netfs_a: no open file on 9p identified by fdinfo"
kill $netfs_pids
wait $netfs_pids 2>/dev/null || true

# --- after: everything released, and the device is free ------------------
release_refs devmap
release_refs fsmap
kill $devopen $fsopen
touch /tmp/ns.release
wait $nsfile
wait $devopen $fsopen 2>/dev/null || true
# the namespaced device mapper was orphaned: it may linger as a zombie
# (no mappings, no fds) until reaped, which is no holder
rc=0
"$DAXPIN" holders dax0.0 /tmp/pmem || rc=$?
[ "$rc" = 10 ] || fail "after release: exit status $rc, want 10 (no holders)"
echo "caught $(wc -l </tmp/churn.pids) short-lived mappers' pids; none disturbed the scans"
umount /tmp/pmem
echo PASS
