#!/bin/sh
# One clear outcome when a drain meets another drain or a peer tool, and
# nothing to repair after it: a drain of a namespace while another drains
# its dax device (both orders: the second is refused, naming the first, and
# changes nothing); a namespace created in a region while a drain of the
# region waits (the drain refuses to finish, changing nothing, rather than
# report a region drained that has a live namespace); `daxctl
# reconfigure-device` while a drain stands inside its fence; a device node
# re-created (as udev would) inside a renaming fence. After each: no lock
# held, no fence left, /dev/DAX as it was or as the winner left it. Steps
# are ordered on the drains' own lock files and debug lines, never by
# timing (strace stops a drain inside its fence).
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"

# 2M-aligned and 256M: daxctl can online it as system RAM (whole 128M blocks)
set -- $(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M |
	jq -r '"\(.dev) \(.daxregion.devices[0].chardev)"')
ns=$1 dax=$2
node() { stat -c '%F %t:%T %a %u:%g' "/dev/$1" 2>/dev/null || echo missing; }
orig=$(node "$dax")

# nothing_left LABEL: no fenced node, no drain lock held
nothing_left() {
	expect "$1: no fenced node left" "" "$(ls -a /dev | grep daxpin-fenced || true)"
	held=""
	for l in /run/daxpin/drain-*.lock; do
		[ -e "$l" ] || continue
		flock -n "$l" true || held="$held $l"
	done
	expect "$1: no drain lock held" "" "$held"
}

# waiting_drain TARGET: a drain of TARGET ($first) that holds its locks and
# waits for 3 pipe-held pages of $dax
waiting_drain() {
	hold_refs pipe -m splice -k 3 -s 2M "/dev/$dax"
	"$DAXPIN" drain --json --timeout 120 "$1" >/tmp/first.out 2>/tmp/first.err &
	first=$!
	wait_until grep -qx "$first" "/run/daxpin/drain-$dax.lock"
	# and it found the pages: it waits, past its first check
	wait_until found_refs
}

found_refs() { jq -e -s 'any(.[]; .event == "progress" and .refs > 0)' /tmp/first.out >/dev/null 2>&1; }

# finish_first WANT: the pipe released, the first drain's exit status WANT
finish_first() {
	release_refs pipe
	set +e
	wait $first
	status=$?
	set -e
	expect "the first drain ends: exit $1" "$1" $status
}

# --- a namespace drain while its dax device is drained, and the reverse ----
for order in "$dax $ns" "$ns $dax"; do
	set -- $order
	waiting_drain "$1"
	run second "$DAXPIN" drain --timeout 5 "$2"
	expect "drain $2 while $1 drains: refused, busy (5)" 5 $rc
	expect "and names the first drain" 1 \
		"$(grep -c "another drain of $dax is running (pid $first); nothing was changed" /tmp/second.err)"
	expect "nothing changed: $ns, $dax enabled, /dev/$dax as it was" "enabled enabled $orig" \
		"$(ns_state "$ns") $(dev_state "$dax") $(node "$dax")"
	finish_first 0
	nothing_left "drain $2 while $1 drained"
	if [ "$1" = "$ns" ]; then
		expect "the first drain disabled $ns" disabled "$(ns_state "$ns")"
		ndctl enable-namespace "$ns" >/dev/null
	else
		expect "the first drain disabled $dax" disabled "$(dev_state "$dax")"
		daxctl enable-device "$dax" >/dev/null
	fi
done

# --- a namespace created in the region while its drain waits ---------------
export DAXPIN_LOG=debug
waiting_drain region0
unset DAXPIN_LOG
new=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 32M | jq -r .dev)
echo "created $new while the drain of region0 waited"
finish_first 5
cat /tmp/first.out
grep 'region0: namespace' /tmp/first.err || true
expect "the drain of region0 refuses to finish, naming $new" 1 \
	"$(jq -r 'select(.event == "result") | .reason' /tmp/first.out | grep -c "$new")"
expect "nothing changed: $ns, $new enabled" "enabled enabled" "$(ns_state "$ns") $(ns_state "$new")"
nothing_left "a namespace created while region0 drained"
ndctl destroy-namespace -f "$new" >/dev/null
[ "$(ns_state "$ns")" = enabled ] || ndctl enable-namespace "$ns" >/dev/null

# stopped_in_fence [VAR=VALUE]: a drain of $dax with nothing to wait for
# ($first), stopped inside its fence: strace sends it SIGSTOP as it opens
# the driver's unbind file, after its fenced check and before the unbind.
stopped_in_fence() {
	env "$@" DAXPIN_LOG=debug strace -o /dev/null -P /sys/bus/dax/drivers/device_dax/unbind \
		-e trace=openat -e inject=openat:signal=SIGSTOP \
		"$DAXPIN" drain --json --timeout 60 "$dax" >/tmp/fenced.out 2>/tmp/fenced.err &
	tracer=$!
	wait_until drain_stopped
	echo "drain $first stopped at its unbind, fence: $(fence_now)"
}
# drain_stopped: the drain (the child of $tracer, in $first) is stopped
# past its fenced check. strace stops it briefly at each openat it sees, so
# a stop before that line is not the one.
drain_stopped() {
	first=$(cat /proc/$tracer/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
	[ -n "$first" ] && grep -q 'fenced check' /tmp/fenced.err &&
		grep -q '^State:.*stop' "/proc/$first/status"
}
# fence_now: the fence standing: "lsm" (a BPF LSM link), "rename", or none
fence_now() {
	if ls -a /dev | grep -q "daxpin-fenced-$dax"; then
		echo rename
	elif bpftool link show 2>/dev/null | grep -q lsm; then
		echo lsm
	else
		echo none
	fi
}

# resume: the stopped drain continued; its exit status in $status
resume() {
	kill -CONT $first
	set +e
	wait $tracer
	status=$?
	set -e
	cat /tmp/fenced.out
}

# --- daxctl reconfigure-device inside a drain's fence -----------------------
# daxctl onlines the memory itself; it refuses while the kernel would too
echo offline >/sys/devices/system/memory/auto_online_blocks
stopped_in_fence
expect "the LSM fence stands" lsm "$(fence_now)"
# the fence refuses opens of the device; daxctl goes through sysfs
run peer daxctl reconfigure-device -m system-ram "$dax"
expect "daxctl reconfigure-device inside the fence: done (0)" 0 $rc
resume
echo "drain: exit $status; $dax now: $(daxctl list -d "$dax" | jq -c '.[0] | {mode, online_memblocks}')"
expect "the drain does not unbind kmem: it says who has the device, and fails (1)" "1 1" \
	"$status $(jq -r 'select(.event == "result") | .reason' /tmp/fenced.out | grep -c 'bound to kmem now')"
expect "$dax left as daxctl made it, its memory online" "system-ram true" \
	"$(daxctl list -d "$dax" | jq -r '.[0] | "\(.mode) \(.total_memblocks > 0 and .online_memblocks == .total_memblocks)"')"
daxctl offline-memory "$dax" >/dev/null
daxctl reconfigure-device -m devdax -f "$dax" >/dev/null
nothing_left "daxctl inside the fence"
expect "/dev/$dax as it was" "$orig" "$(node "$dax")"

# --- the node re-created inside a renaming fence -------------------------------
stopped_in_fence DAXPIN_FENCE=rename
expect "a renaming fence: /dev/$dax gone" "rename missing" "$(fence_now) $(node "$dax")"
# shellcheck disable=SC2046
mknod "/dev/$dax" c $(tr : ' ' <"/sys/bus/dax/devices/$dax/dev")
chown "$(echo "$orig" | awk '{print $NF}')" "/dev/$dax"
chmod "$(echo "$orig" | awk '{print $(NF - 1)}')" "/dev/$dax"
resume
expect "the drain finished all the same (the re-created node was not opened)" 0 $status
expect "$dax disabled" disabled "$(dev_state "$dax")"
expect "one node, as it was" "$orig" "$(node "$dax")"
nothing_left "node re-created inside the fence"
exit $failed
