#!/bin/sh
# No window between daxpin drain's last check and the unbind: two processes
# map a device-dax device, write to it and splice a page of it into a pipe,
# again and again, while daxpin drain runs (five drains, the device enabled
# again after each). A mapping outstanding at the unbind would be revoked
# under its writer (SIGBUS: map-race exits 3); a page reference outstanding
# would oops the kernel when it drops (the harness fails on any oops). The
# mappers' failed opens show the fence at work. Then a mapper through a
# second node of the device, which the fence cannot move.
# timeout: 480
set -eu
. "$(dirname "$0")/lib.sh"

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
rm -f /tmp/stop
"$VM_HELPERS/map-race" -t /tmp/stop "/dev/$dax" >/tmp/race1.out &
m1=$!
"$VM_HELPERS/map-race" -t /tmp/stop "/dev/$dax" >/tmp/race2.out &
m2=$!
# mapping: whether map-race PID has the device mapped now (it maps it for
# 5 ms of each cycle of up to 35 ms)
mapping() { grep -q "/dev/$dax" "/proc/$1/maps"; }
wait_until mapping $m1
wait_until mapping $m2

raced=0
for i in 1 2 3 4 5; do
	set +e
	"$DAXPIN" drain --json --timeout 120 "$dax" >/tmp/drain$i.out
	rc=$?
	set -e
	expect "drain $i while mappers race: exit 0" 0 $rc
	expect "drain $i: $dax disabled" disabled "$(daxctl list -d "$dax" -i | json_array | jq -r '.[0].state // "enabled"')"
	expect "drain $i: both mappers alive (no mapping revoked under them)" "yes yes" \
		"$(kill -0 $m1 && echo yes) $(kill -0 $m2 && echo yes)"
	n=$(jq -s '[.[] | select(.event == "raced")] | length' /tmp/drain$i.out)
	raced=$((raced + n))
	echo "drain $i: $(jq -c 'select(.event == "disabled")' /tmp/drain$i.out), raced $n"
	daxctl enable-device "$dax" >/dev/null
	# the next drain begins among mappers that map the device again
	wait_until mapping $m1
	wait_until mapping $m2
done
touch /tmp/stop
set +e
wait $m1
r1=$?
wait $m2
r2=$?
set -e
cat /tmp/race1.out /tmp/race2.out
expect "mappers never saw a revoked mapping" "0 0" "$r1 $r2"
expect "mappers ran between the drains" 1 "$(awk '$2 > 0 {n++} END {print (n == 2)}' /tmp/race1.out /tmp/race2.out)"
echo "final checks that found a racer and lifted the fence: $raced"

# A second node of the device, which a renaming fence does not move (the
# LSM fence refuses opens through it, but this one opens before): a process
# opens and maps the device through it (without touching a page, so page
# state shows nothing), then the only page references (a pipe's) go. The
# drain must not unbind under it. First as it comes: the drain's holders
# rescans find the mapper, it times out with the device enabled.
set -- $(stat -c '%t %T' "/dev/$dax")
rm -f /tmp/dax-alias
mknod /tmp/dax-alias c $((0x$1)) $((0x$2))
# wait_progress: the drain writing /tmp/alias-drain.out waits on page references
wait_progress() { jq -e 'select(.event == "progress" and .refs > 0)' /tmp/alias-drain.out >/dev/null 2>&1; }
alias_try() {  # TRY NAME: checks the drain of /tmp/alias-drain.out, ends holder NAME
	expect "$1: pipe released while a process maps $dax through another node: drain times out (exit 6)" 6 $rc
	expect "$1: $dax still enabled" enabled "$(dev_state "$dax")"
	expect "$1: the result names the mapper of the second node" "$alias" \
		"$(jq -r 'select(.event == "result") | .objects[0].holders[].pid' /tmp/alias-drain.out)"
	set +e
	release_refs $2
	rc=$?
	set -e
	expect "$1: the mapper of the second node exits cleanly" 0 $rc
}
rm -f /tmp/alias-drain.out
hold_refs pipe -m splice -c -k 3 -s 2M "/dev/$dax"
"$DAXPIN" drain --json --timeout 4 "$dax" >/tmp/alias-drain.out &
drain=$!
wait_until wait_progress
hold_refs alias -m map -k 1 -s 2M /tmp/dax-alias
alias=$(sed -n 's/^ready //p' /tmp/alias.ready)
release_refs pipe
set +e
wait $drain
rc=$?
set -e
alias_try "as it comes" alias

# Then the case the count of device-dax opens and faults exists for: the
# mapper comes after the drain's last holders scan, just before its fenced
# check. gdb orders it: the drain stops on entering drain_fenced_unbind
# (reached once the pipe is gone and a scan found nobody), the mapper opens
# and maps, the drain goes on. The fenced check must see the count moved
# (a "raced" event), rescan and find the mapper.
rm -f /tmp/at-fence /tmp/alias-drain.out
hold_refs pipe -m splice -c -k 3 -s 2M "/dev/$dax"
gdb -q -nx -batch -ex 'break drain_fenced_unbind' \
	-ex 'run drain --json --timeout 8 '"$dax"' >/tmp/alias-drain.out' -ex 'bt' -ex 'delete' \
	-ex 'shell touch /tmp/at-fence; i=0; until [ -e /tmp/late.ready ] || [ $i -ge 600 ]; do i=$((i + 1)); sleep 0.1; done' \
	-ex 'continue' -ex 'quit $_exitcode' \
	"$DAXPIN" >/tmp/gdb.out 2>&1 &
drain=$!
wait_until wait_progress
release_refs pipe
wait_within 60 test -e /tmp/at-fence
cat /tmp/gdb.out /tmp/alias-drain.out
expect "after the last scan: $dax still enabled at the fenced check" enabled "$(dev_state "$dax")"
hold_refs late -m map -k 1 -s 2M /tmp/dax-alias
alias=$(sed -n 's/^ready //p' /tmp/late.ready)
set +e
wait $drain
rc=$?
set -e
alias_try "after the last scan" late
expect "after the last scan: the fenced check saw the count move and went back to scanning" yes \
	"$(jq -s 'if any(.[]; .event == "raced") then "yes" else "no" end' -r /tmp/alias-drain.out)"
rm -f /tmp/dax-alias
exit $failed
