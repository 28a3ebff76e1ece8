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
# state shows nothing) after the drain's last holders scan, then the only
# page references (a pipe's) go. The drain must not unbind under it: the
# count of device-dax opens and faults sends the fenced check back to
# scanning (a "raced" event), and the scan finds the mapper. Whether the
# mapper comes after the last scan (holders are rescanned every second) is
# timing: up to three tries, each must be safe, one must have raced.
set -- $(stat -c '%t %T' "/dev/$dax")
rm -f /tmp/dax-alias
mknod /tmp/dax-alias c $((0x$1)) $((0x$2))
alias_raced=0
for try in 1 2 3; do
	hold_refs pipe -m splice -c -k 3 -s 2M "/dev/$dax"
	"$DAXPIN" drain --json --timeout 4 "$dax" >/tmp/alias-drain.out &
	drain=$!
	i=0
	until jq -e 'select(.event == "progress" and .refs > 0)' /tmp/alias-drain.out >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 300 ] || break
		sleep 0.1
	done
	hold_refs alias -m map -k 1 -s 2M /tmp/dax-alias
	alias=$(sed -n 's/^ready //p' /tmp/alias.ready)
	release_refs pipe
	set +e
	wait $drain
	rc=$?
	set -e
	expect "try $try: pipe released while a process maps $dax through another node: drain times out (exit 6)" 6 $rc
	expect "try $try: $dax still enabled" enabled "$(dev_state "$dax")"
	expect "try $try: the result names the mapper of the second node" "$alias" \
		"$(jq -r 'select(.event == "result") | .objects[0].holders[].pid' /tmp/alias-drain.out)"
	n=$(jq -s '[.[] | select(.event == "raced")] | length' /tmp/alias-drain.out)
	echo "try $try: fenced checks that found the mapper: $n"
	set +e
	release_refs alias
	rc=$?
	set -e
	expect "try $try: the mapper of the second node exits cleanly" 0 $rc
	if [ "$n" -gt 0 ]; then
		alias_raced=1
		break
	fi
done
expect "the mapper came after the last holders scan in one try" 1 $alias_raced
rm -f /tmp/dax-alias
exit $failed
