#!/bin/sh
# No window between daxpin drain's last check and the unbind: two processes
# map a device-dax device, write to it and splice a page of it into a pipe,
# again and again, while daxpin drain runs (five drains, the device enabled
# again after each). A mapping outstanding at the unbind would be revoked
# under its writer (SIGBUS: map-race exits 3); a page reference outstanding
# would oops the kernel when it drops (the harness fails on any oops). The
# mappers' failed opens show the fence at work.
# timeout: 480
set -eu
. "$(dirname "$0")/lib.sh"

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
rm -f /tmp/stop
"$VM_HELPERS/map-race" -t /tmp/stop "/dev/$dax" >/tmp/race1.out &
m1=$!
"$VM_HELPERS/map-race" -t /tmp/stop "/dev/$dax" >/tmp/race2.out &
m2=$!
sleep 1

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
	sleep 0.5
	daxctl enable-device "$dax" >/dev/null
	sleep 1
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
exit $failed
