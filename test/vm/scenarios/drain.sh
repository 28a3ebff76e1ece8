#!/bin/sh
# daxpin drain on a real kernel: an idle device-dax device is drained and
# disabled (and a re-run does nothing); a namespace target disables its
# device and itself, after which the namespace can be reconfigured; page
# references held by a pipe make a short drain time out with the device
# still enabled and the pages named, and never oops; references released
# mid-drain let it complete; --force signals a mapper and an opener (and
# SIGKILLs one that ignores SIGTERM); SIGINT leaves the device bound; a
# second drain of the same device reports the first's lock; a mounted fsdax
# namespace is refused with the mount named; a region target drains every
# namespace; unknown names are refused; a namespace whose device is system RAM
# has its memory offlined, then goes. After each
# unbind: no driver bound, a disabled namespace's dax device or block device
# gone with its node, daxctl and ndctl list agree.
# timeout: 480
set -eu
. "$(dirname "$0")/lib.sh"

node() { stat -c '%F %t:%T %a %u:%g' "/dev/$1"; }
devdax() { ndctl create-namespace -r region0 -m devdax -a 2M -s "$1" | jq -r '"\(.dev) \(.daxregion.devices[0].chardev)"'; }

set -- $(devdax 512M)
ns_a=$1 dax_a=$2
set -- $(devdax 256M)
ns_b=$1 dax_b=$2
echo "A: $ns_a $dax_a  B: $ns_b $dax_b"

# --- what drain refuses, changing nothing ----------------------------------
run unknown "$DAXPIN" drain dax9.9
expect "unknown name: exit 3 (not found)" 3 $rc
expect "and says so" 1 "$(grep -c "no region, namespace.*'dax9.9'" /tmp/unknown.err)"
run nobody as_nobody daxpin drain "$dax_a"
expect "unprivileged: exit 4 (permission)" 4 $rc
expect "unprivileged: still enabled" enabled "$(dev_state "$dax_a")"

# --- idle device: drained and disabled, node as it was -----------------------
chmod 0640 "/dev/$dax_a"
chown 1:2 "/dev/$dax_a"
node_before=$(node "$dax_a")
run idle "$DAXPIN" drain "$dax_a"
expect "idle $dax_a: exit 0" 0 $rc
expect "idle $dax_a: disabled" disabled "$(dev_state "$dax_a")"
expect "idle $dax_a: 'disabled' printed" "$dax_a: disabled" "$(cat /tmp/idle.out)"
expect "idle $dax_a: its node is as it was" "$node_before" "$(node "$dax_a")"
expect "idle $dax_a: no driver bound (sysfs)" no "$(exists "/sys/bus/dax/devices/$dax_a/driver")"
expect "its namespace stays enabled" enabled "$(ns_state "$ns_a")"
run again "$DAXPIN" drain "$dax_a"
expect "already disabled: exit 0, nothing done" "0 $dax_a: already disabled, nothing done" "$rc $(cat /tmp/again.out)"

# --- namespace target: device, then namespace; then reconfigure ----------------
daxctl enable-device "$dax_a" >/dev/null
run ns "$DAXPIN" drain --json "$ns_a"
expect "namespace $ns_a: exit 0" 0 $rc
expect "namespace: disabled events in order" "$dax_a $ns_a" \
	"$(jq -r 'select(.event == "disabled") | .object' /tmp/ns.out | xargs)"
expect "namespace: result ok" "ok 0" "$(jq -r 'select(.event == "result") | "\(.result) \(.exit_code)"' /tmp/ns.out)"
expect "namespace $ns_a disabled" disabled "$(ns_state "$ns_a")"
expect "namespace: each disabled event confirmed by the kernel's events (verify_ms)" 2 \
	"$(jq -s '[.[] | select(.event == "disabled" and (.verify_ms | type) == "number")] | length' /tmp/ns.out)"
expect "namespace: $dax_a removed, its node gone" "no no" \
	"$(exists "/sys/bus/dax/devices/$dax_a") $(exists "/dev/$dax_a")"
expect "namespace: daxctl lists no $dax_a any more" 0 \
	"$(daxctl list -d "$dax_a" 2>/dev/null | jq -s 'map(if type == "array" then .[] else . end) | length')"
ndctl create-namespace -f -e "$ns_a" -m fsdax >/tmp/reconf.out
expect "ndctl create-namespace -f -e $ns_a -m fsdax after the drain" fsdax "$(jq -r .mode /tmp/reconf.out)"
bdev=$(jq -r .blockdev /tmp/reconf.out)

# --- page references: a short drain times out and names them ------------------
hold_refs pipe -k 3 -s 2M "/dev/$dax_b"
run refs "$DAXPIN" drain --timeout 1 "$dax_b"
expect "3 spliced pages: exit 6 (timeout)" 6 $rc
expect "device still enabled" enabled "$(dev_state "$dax_b")"
expect "report: 3 referenced folios of 512 pages" 1 "$(grep -c "^$dax_b: 1536 referenced pages (3 references), 0 pinned" /tmp/refs.out)"
expect "report: busy PFNs named" 1 "$(grep -c "^$dax_b: busy PFNs: 0x[0-9a-f]* (refcount" /tmp/refs.out)"
expect "report: the holder named" 1 "$(grep -c "^$dax_b: held by pid $(cat /tmp/pipe.pid) (hold-refs), access fm" /tmp/refs.out)"
run refs-json "$DAXPIN" drain --timeout 0.5 --json "$dax_b"
expect "JSON: timeout result with the pages and busy PFNs" "timeout 6 3 3" \
	"$(jq -r 'select(.event == "result") | "\(.result) \(.exit_code) \(.objects[0].refs) \(.objects[0].busy | length)"' /tmp/refs-json.out)"
run dry "$DAXPIN" drain --dry-run "$dax_b"
expect "dry run while referenced: exit 5 (busy)" 5 $rc

# --- released mid-drain: completes --------------------------------------------
# released once the drain has reported the references (its start, loading
# the page-state program, takes seconds under emulation)
"$DAXPIN" drain --timeout 60 --json "$dax_b" >/tmp/mid.out 2>/tmp/mid.err &
drain=$!
i=0
until grep -q '"refs":3,' /tmp/mid.out; do
	i=$((i + 1))
	[ $i -le 600 ] || { echo "FAIL: drain never reported the references"; exit 1; }
	sleep 0.1
done
touch /tmp/pipe.release
wait "$(cat /tmp/pipe.pid)"
set +e
wait $drain
rc=$?
set -e
cat /tmp/mid.out /tmp/mid.err
expect "released mid-drain: exit 0" 0 $rc
expect "released mid-drain: disabled" disabled "$(dev_state "$dax_b")"
expect "progress events saw the references" 1 \
	"$(jq -s '[.[] | select(.event == "progress" and .refs == 3)] | length > 0' /tmp/mid.out | grep -c true)"
daxctl enable-device "$dax_b" >/dev/null
run dry-idle "$DAXPIN" drain --dry-run "$dax_b"
expect "dry run when idle: exit 0, still enabled" "0 enabled" "$rc $(dev_state "$dax_b")"

# --- --force: a mapper and an opener, then one that ignores SIGTERM -----------
hold_refs mapper -m map -l 2M "/dev/$dax_b"
sleep 600 <"/dev/$dax_b" &
opener=$!
run force "$DAXPIN" drain --force --grace 5 --timeout 30 "$dax_b"
expect "--force: exit 0" 0 $rc
expect "--force: SIGTERM to the mapper" 1 "$(grep -c "^sent SIGTERM to $(cat /tmp/mapper.pid) (hold-refs)" /tmp/force.out)"
expect "--force: SIGTERM to the opener" 1 "$(grep -c "^sent SIGTERM to $opener (sleep)" /tmp/force.out)"
expect "--force: disabled" disabled "$(dev_state "$dax_b")"
wait "$opener" || true
daxctl enable-device "$dax_b" >/dev/null
sh -c 'trap "" TERM; exec sleep 600' <"/dev/$dax_b" &
stubborn=$!
# the trap is set once the shell has become sleep
wait_until grep -qx sleep "/proc/$stubborn/comm"
run kill "$DAXPIN" drain --force --grace 1 --timeout 30 "$dax_b"
expect "--force, SIGTERM ignored: exit 0" 0 $rc
expect "--force: SIGKILL after the grace" 1 "$(grep -c "^sent SIGKILL to $stubborn (sleep)" /tmp/kill.out)"
wait "$stubborn" || true
daxctl enable-device "$dax_b" >/dev/null

# --- SIGINT while waiting; a second drain meets the lock -----------------------
hold_refs pipe2 -k 2 -s 2M "/dev/$dax_b"
node_before=$(node "$dax_b")
"$DAXPIN" drain --timeout 60 "$dax_b" >/tmp/int.out 2>/tmp/int.err &
first=$!
# the first drain holds the lock once its pid is in it
wait_until grep -qx "$first" "/run/daxpin/drain-$dax_b.lock"
run lock "$DAXPIN" drain --timeout 1 "$dax_b"
expect "second drain: exit 5 (busy)" 5 $rc
expect "second drain names the first's pid" 1 "$(grep -c "another drain of $dax_b is running (pid $first)" /tmp/lock.err)"
kill -INT "$first"
set +e
wait "$first"
rc=$?
set -e
cat /tmp/int.out /tmp/int.err
expect "SIGINT: exit 7 (interrupted)" 7 $rc
expect "SIGINT: still enabled" enabled "$(dev_state "$dax_b")"
expect "SIGINT: node unchanged" "$node_before" "$(node "$dax_b")"
expect "SIGINT: says what held it" 1 "$(grep -c "^$dax_b: 1024 referenced pages (2 references)" /tmp/int.out)"
release_refs pipe2

# --- fsdax: refused while mounted, drained after -------------------------------
mkfs.xfs -q -f "/dev/$bdev"
mkdir -p /tmp/pmem
mount -o dax=always "/dev/$bdev" /tmp/pmem
run mounted "$DAXPIN" drain "$bdev"
expect "mounted fsdax: exit 5 (busy)" 5 $rc
expect "mounted fsdax: the mount named" 1 "$(grep -c "is mounted on /tmp/pmem" /tmp/mounted.err)"
expect "mounted fsdax: still enabled" enabled "$(ns_state "$ns_a")"
# 7.2: with 3 file pages in a pipe and nothing else holding the filesystem,
# umount waits for the pages; the drain refuses or waits meanwhile. (6.1's
# umount returns, warning in the kernel: drain-fsdax, stock only.)
if [ "$KERNEL_FLAVOR" = current ]; then
	hold_refs file -c -k 3 /tmp/pmem/data
	umount /tmp/pmem &
	umounting=$!
	# in the eviction-time layout break (D), or already done
	wait_until sh -c "grep -q '^State:.*D' /proc/$umounting/status || ! kill -0 $umounting"
	run fsrefs "$DAXPIN" drain --timeout 2 "$bdev"
	expect "fsdax with 3 file pages in a pipe: still enabled" enabled "$(ns_state "$ns_a")"
	expect "7.2: umount waits for the pages; the drain refuses or waits (5 or 6)" 1 \
		"$([ $rc = 5 ] || [ $rc = 6 ] && echo 1)"
	release_refs file
	wait $umounting
else
	umount /tmp/pmem
fi
run fsdax "$DAXPIN" drain "$bdev"
expect "unmounted fsdax $bdev: exit 0" 0 $rc
expect "unmounted fsdax: namespace disabled" disabled "$(ns_state "$ns_a")"
expect "unmounted fsdax: block device $bdev removed, its node gone" "no no" \
	"$(exists "/sys/class/block/$bdev") $(exists "/dev/$bdev")"

# --- region: every namespace ---------------------------------------------------
ndctl enable-namespace "$ns_a" >/dev/null
run region "$DAXPIN" drain --json region0
expect "region0: exit 0" 0 $rc
expect "region0: every namespace disabled" "disabled disabled" "$(ns_state "$ns_a") $(ns_state "$ns_b")"

# --- system-ram (kmem): a namespace whose device is system RAM ---------------
ndctl enable-namespace "$ns_b" >/dev/null
# onlined movable by daxctl, as operators do it: a block the kernel onlines
# itself (auto_online_blocks) lands in ZONE_NORMAL, where slab may take it
echo offline >/sys/devices/system/memory/auto_online_blocks
daxctl reconfigure-device -m system-ram "$dax_b" >/dev/null
blocks=$(daxctl list -d "$dax_b" | json_array | jq '.[0].total_memblocks')
run kmem-ns "$DAXPIN" drain --json --timeout 120 "$ns_b"
expect "namespace of an idle system-ram device: exit 0" 0 $rc
expect "system-ram: each of its $blocks blocks went offline first" "$blocks" \
	"$(jq -s '[.[] | select(.event == "memblock" and .memblock.state == "offline")] | length' /tmp/kmem-ns.out)"
expect "system-ram: the namespace is disabled" disabled "$(ns_state "$ns_b")"
expect "system-ram: no 'cannot be hotremoved' in the kernel log" 0 "$(dmesg | grep -c 'cannot be hotremoved' || true)"
exit $failed
