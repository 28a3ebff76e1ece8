#!/bin/sh
# Nothing to repair after a fault: a drain of a device-dax device waiting
# for 3 pipe-held pages is SIGKILLed at each step (while it waits, as its
# fence goes up, inside it at the unbind, during the unbind's verification)
# and SIGSTOPped for 30 s inside its fence, then SIGKILLed. After each:
# /dev/DAX is there with its owner and mode within 1 s, no
# /dev/.daxpin-fenced-* is left, daxctl lists the device. A BPF LSM fence dies with the drain, so that
# holds with no daxpin run in between (its link is gone too); a renaming
# fence (where the LSM is off; here DAXPIN_FENCE=rename) is restored by the
# next daxpin command, which says so. While the
# stopped drain's fence stands, nothing opens the device and no other
# daxpin command lifts that fence. Finally a plain drain succeeds.
# The steps are triggered on the drain's own debug lines ("waiting", "fence
# up", "unbound") and, inside the fence, by strace at the drain's open of the
# unbind file, never by timing.
# timeout: 480
set -eu
. "$(dirname "$0")/lib.sh"

[ -e /sys/kernel/security/lsm ] || mount -t securityfs securityfs /sys/kernel/security
echo "active LSMs: $(cat /sys/kernel/security/lsm)"
dax=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 64M | jq -r '.daxregion.devices[0].chardev')
chown 1:2 "/dev/$dax"
chmod 0640 "/dev/$dax"
node() { stat -c '%F %t:%T %a %u:%g' "/dev/$1" 2>/dev/null || echo missing; }
orig=$(node "$dax")
echo "node: $orig"

# kill_at STEP SIGNAL: a drain of $dax ($drain) waiting for 3 pipe-held
# pages, and SIGNAL sent the moment its debug log reaches STEP: "waiting"
# (its first check found the pages) or ": unbound in" (the verification;
# the pages are released once it waits).
# The log comes through a FIFO: the shell wakes on the line, no polling.
kill_at() {
	hold_refs pipe -m splice -c -k 3 -s 4K "/dev/$dax"
	rm -f /tmp/drain.fifo
	mkfifo /tmp/drain.fifo
	DAXPIN_FENCE=$fence_choice DAXPIN_LOG=debug "$DAXPIN" drain --json --timeout 120 "$dax" >/tmp/drain.out 2>/tmp/drain.fifo &
	drain=$!
	exec 4</tmp/drain.fifo
	: >/tmp/drain.err
	while IFS= read -r line <&4; do
		echo "$line" >>/tmp/drain.err
		case $line in
		*"holders, 3 refs"*)
			[ "$1" = waiting ] && { kill -"$2" $drain; break; }
			touch /tmp/pipe.release ;;
		*"$1"*)
			kill -"$2" $drain
			break ;;
		esac
	done
	cat <&4 >>/tmp/drain.err &
	log=$!
	exec 4<&-
}

# signal_in_fence SIGNAL: as kill_at, but SIGNAL comes inside the fence,
# after the fenced check, as the drain opens the driver's unbind file:
# strace sends it there ($drain is the drain, $tracer its strace), so no
# signal meant for the fence lands after the unbind
signal_in_fence() {
	hold_refs pipe -m splice -c -k 3 -s 4K "/dev/$dax"
	DAXPIN_FENCE=$fence_choice DAXPIN_LOG=debug strace -o /dev/null \
		-P /sys/bus/dax/drivers/device_dax/unbind -e trace=openat \
		-e inject=openat:signal="$1" \
		"$DAXPIN" drain --json --timeout 120 "$dax" >/tmp/drain.out 2>/tmp/drain.err &
	tracer=$!
	wait_until drain_waits
	touch /tmp/pipe.release
}
# drain_waits: the drain (the child of $tracer, in $drain) found the pages
drain_waits() {
	drain=$(cat /proc/$tracer/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
	[ -n "$drain" ] && grep -q "holders, 3 refs" /tmp/drain.err
}
# stopped: whether the drain is stopped past its fenced check (strace
# stops it briefly at each openat it sees: a stop before that is not it)
stopped() {
	grep -q 'fenced check' /tmp/drain.err && grep -q '^State:.*stop' "/proc/$drain/status" 2>/dev/null
}

# reap: the drain's exit status in $status, the holder gone
reap() {
	set +e
	wait $drain
	status=$?
	wait $log
	[ ! -e /tmp/pipe.release ] || wait "$(cat /tmp/pipe.pid)"
	set -e
}

# bound: whether device-dax still drives $dax
bound() { [ -e "/sys/bus/dax/devices/$dax/driver" ] && echo yes || echo no; }

# node_back LABEL: within 1 s, /dev/$dax as it was and nothing fenced
node_back() {
	i=0
	while [ "$(node "$dax")" != "$orig" ] || ls /dev/.daxpin-fenced-* >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 100 ] || break
		sleep 0.01
	done
	expect "$1: /dev/$dax back within 1 s, same owner and mode" "$orig" "$(node "$dax")"
	expect "$1: no fenced node left" "" "$(ls -a /dev | grep daxpin-fenced || true)"
	expect "$1: daxctl lists $dax" "$dax" "$(daxctl list -d "$dax" -i | json_array | jq -r '.[0].chardev')"
}

# fence_of: which fence the last drain raised ("lsm" or "rename")
fence_of() { sed -n 's/.*fence up (\([a-z]*\)).*/\1/p' /tmp/drain.err | head -1; }

# lsm_links: how many BPF LSM links are attached
lsm_links() { bpftool link show | grep -c lsm_mac || true; }
no_lsm_links() { [ "$(lsm_links)" = 0 ]; }

# after_kill LABEL [FENCED]: the checks after a kill inside the fence. The
# LSM's link goes with the drain; a renaming fence is the next daxpin
# command's to restore, which says so for each of the FENCED nodes (1 unless
# given) the kill left.
after_kill() {
	if [ "$(fence_of)" = lsm ]; then
		wait_within 1 no_lsm_links || true
		expect "$1: the LSM fence detached within 1 s" 0 "$(lsm_links)"
	fi
	if [ "$(fence_of)" = rename ]; then
		run repair "$DAXPIN" list "$dax"
		expect "$1: the next daxpin command restored the node, and said so" "${2:-1}" \
			"$(grep -c "restored /dev/$dax, fenced by a drain (pid $drain) that is gone" /tmp/repair.err)"
	fi
	node_back "$1"
}

fence_choice=
# --- killed while it waits, before any fence ---------------------------------
kill_at waiting KILL
reap
grep -o 'LSM fence loaded in .*' /tmp/drain.err || true
expect "killed while waiting: exit by SIGKILL" 137 $status
node_back "killed while waiting"
release_refs pipe
matrix="waiting:killed"

# --- killed inside the fence: the LSM's, then the renaming one ---------------
for fence_choice in "" rename; do
	signal_in_fence SIGKILL
	set +e
	wait $tracer
	status=$?
	set -e
	wait "$(cat /tmp/pipe.pid)"
	fence=$(fence_of)
	expect "killed inside the ${fence_choice:-lsm} fence: exit by SIGKILL, $dax still bound" \
		"137 yes" "$status $(bound)"
	after_kill "killed in the $fence fence"
	expect "the fence raised (DAXPIN_FENCE='$fence_choice')" "${fence_choice:-lsm}" "$fence"
	matrix="$matrix fence-$fence:$status"
done

# --- killed the moment its fence goes up: the drain's "fence up" line -----------
# The kill lands 0-100 ms after the fence is up: before the unbind (the
# device stays bound) or, when the drain wins the race, after it (unbound,
# nothing fenced). Either way nothing is left to repair by hand.
for fence_choice in "" rename; do
	for try in 1 2 3; do
		kill_at 'fence up (' KILL
		reap
		fence=$(fence_of)
		label="killed as the $fence fence went up ($try)"
		expect "$label: exit by SIGKILL" 137 $status
		after_kill "$label" "$(ls -a /dev | grep -c daxpin-fenced || true)"
		outcome=$(bound)
		[ "$outcome" = yes ] || daxctl enable-device "$dax" >/dev/null
		matrix="$matrix fence-up-$fence:$status:bound=$outcome"
	done
done
fence_choice=

# --- killed during the unbind's verification ---------------------------------
kill_at ': unbound in' KILL
reap
echo "killed during verification: exit $status, $dax bound: $(bound)"
expect "killed during verification: the device was unbound" no "$(bound)"
node_back "killed during verification"
daxctl enable-device "$dax" >/dev/null
expect "enabled again: node as it was" "$orig" "$(node "$dax")"
matrix="$matrix verify:$status"

# --- stopped 30 s inside the fence, then killed ------------------------------
signal_in_fence SIGSTOP
wait_until stopped
expect "a drain stopped inside its fence, $dax bound" yes "$(bound)"
fence=$(fence_of)
run peek "$DAXPIN" list "$dax"
expect "another daxpin command leaves a live drain's fence alone" 0 "$(grep -c restored /tmp/peek.err || true)"
set +e
(exec 3<"/dev/$dax") 2>/tmp/open.err
open=$?
set -e
expect "the stopped drain's fence keeps the device from being opened" 1 "$([ $open -ne 0 ] && echo 1)"
expect "and says the device is busy" 1 "$(grep -c 'busy' /tmp/open.err)"
echo "open while fenced ($fence): $(cat /tmp/open.err)"
# the fault itself: a drain stopped for 30 s, then killed
sleep 30 && kill -KILL $drain
set +e
wait $tracer
status=$?
set -e
wait "$(cat /tmp/pipe.pid)"
expect "stopped 30 s, then killed: exit by SIGKILL" 137 $status
after_kill "stopped 30 s in the $fence fence, then killed"
matrix="$matrix stop30($fence):$status"

# --- and a plain drain succeeds ----------------------------------------------
run final "$DAXPIN" drain --json --timeout 60 "$dax"
expect "a plain drain after the kills: exit 0" 0 $rc
expect "its result names the LSM fence" lsm "$(jq -r 'select(.event == "result") | .fence' /tmp/final.out)"
expect "$dax disabled" disabled "$(dev_state "$dax")"
echo "kill matrix ($(uname -r)): $matrix"
exit $failed
