#!/bin/sh
# daxpin watch on a real kernel, as an operator's log pipeline sees it: a
# devdax namespace created (the dax device's add event), pipes taking 3
# references to it (a pages event with the counts, the holder appearing),
# a truncate waiting in a layout break on an XFS file (the waiter appearing,
# then finishing when the file's page is released), the references released
# (counts back to 0 with the previous ones, the holder leaving), the
# namespace disabled (the dax device's remove event, and the device gone
# from the scans); SIGTERM ends it with exit 0 and an end event; SIGKILL
# leaves nothing behind (files, BPF pins, links) and the next watch starts.
# Then its memory over 1,500 events (watch-soak.sh).
# json: watch
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"

fail() {
	echo "FAIL: $*"
	kill "$watcher" 2>/dev/null || true
	exit 1
}

events=$(json_file watch.events.jsonl)
"$DAXPIN" watch --json --interval 1 >"$events" 2>/tmp/watch.err &
watcher=$!

# wait_event WHAT JQ_CONDITION: until an event matches (90 s: scans load
# BPF programs, slow under TCG)
wait_event() {
	end=$(($(date +%s) + 90))
	until jq -e -s "any(.[]; $2)" "$events" >/dev/null 2>&1; do
		[ "$(date +%s)" -le $end ] || fail "no event: $1"
		sleep 0.2
	done
	echo "ok: event: $1"
}

wait_event "start, page state available" '.event == "start" and .page_state'

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
wait_event "$dax added" ".event == \"device\" and .kind == \"daxdev\" and .object == \"$dax\" and .action == \"add\""

hold_refs a -k 3 -s 2M "/dev/$dax"
holder=$(cat /tmp/a.pid)
wait_event "$dax: 3 references, 3 2M folios" \
	".event == \"pages\" and .object == \"$dax\" and .type == \"daxdev\" and .refs == 3 and .referenced_pages == 1536"
wait_event "$dax: hold-refs $holder appeared" \
	".event == \"holder\" and .action == \"appeared\" and .object == \"$dax\" and .pid == $holder"

pmem=$(ndctl create-namespace -r region0 -m fsdax -s 512M | jq -r .blockdev)
wait_event "$pmem added" ".event == \"device\" and .kind == \"blockdev\" and .object == \"$pmem\" and .action == \"add\""
mkdir -p /tmp/xfs
mkfs.xfs -q -f "/dev/$pmem" && mount -o dax=always "/dev/$pmem" /tmp/xfs
hold_refs b -k 1 /tmp/xfs/f
truncate -s "$(stat -c %s /tmp/xfs/f)" /tmp/xfs/f &
tpid=$!
wait_event "the truncate $tpid waits in a layout break" \
	".event == \"layout-waiter\" and .action == \"appeared\" and .pid == $tpid and .operation == \"ftruncate\" and .file == \"/tmp/xfs/f\""
release_refs b
wait $tpid
wait_event "the truncate $tpid finished" ".event == \"layout-waiter\" and .action == \"finished\" and .pid == $tpid"

release_refs a
wait_event "$dax: released, the previous counts with it" \
	".event == \"pages\" and .object == \"$dax\" and .refs == 0 and .previous.refs == 3"
wait_event "$dax: hold-refs $holder left" \
	".event == \"holder\" and .action == \"left\" and .object == \"$dax\" and .pid == $holder"

umount /tmp/xfs
ndctl disable-namespace "$(ndctl list -N | json_array | jq -r ".[] | select(.chardev == \"$dax\") | .dev")" >/dev/null
wait_event "$dax removed" ".event == \"device\" and .object == \"$dax\" and .action == \"remove\""
wait_event "$dax gone from the scans" \
	"(.event == \"vanished\" or .event == \"unreadable\") and .object == \"$dax\""

kill -TERM $watcher
rc=0
wait $watcher || rc=$?
expect "SIGTERM: exit 0, the end event last" "0 end SIGTERM" \
	"$rc $(tail -n 1 "$events" | jq -r '"\(.event) \(.signal)"')"
expect "no error event" 0 "$(jq -s '[.[] | select(.event == "error")] | length' "$events")"
echo "events: $(wc -l <"$events"), $(jq -r .event "$events" | sort | uniq -c | tr -s ' \n' ' ')"
cat /tmp/watch.err

# --- SIGKILL mid-run: nothing left behind -----------------------------------
# what daxpin can leave: files in /run/daxpin, BPF pins, links
leftovers() {
	echo "run: $(ls -A /run/daxpin 2>/dev/null | tr '\n' ' ')" \
		"pins: $(find /sys/fs/bpf/daxpin 2>/dev/null | sort | tr '\n' ' ')" \
		"links: $(bpftool link show 2>/dev/null | grep -c '^[0-9]*:')"
}
before=$(leftovers)
as_before() { [ "$(leftovers)" = "$before" ]; }
"$DAXPIN" watch --json --interval 1 >/tmp/killed.jsonl 2>/dev/null &
watcher=$!
scanned() { [ "$(jq -s 'map(select(.event == "start")) | length' /tmp/killed.jsonl 2>/dev/null)" = 1 ]; }
wait_until scanned
kill -KILL $watcher
rc=0
wait $watcher || rc=$?
expect "killed watch: exit by SIGKILL" 137 $rc
wait_within 5 as_before || true
expect "killed watch: nothing left behind" "$before" "$(leftovers)"
events=/tmp/again.jsonl
"$DAXPIN" watch --json --interval 1 >"$events" 2>/dev/null &
watcher=$!
wait_event "a watch after the kill starts, page state available" '.event == "start" and .page_state'
kill -TERM $watcher
rc=0
wait $watcher || rc=$?
expect "and ends on SIGTERM with exit 0" 0 $rc

"$(dirname "$0")/watch-soak.sh" || failed=1
exit $failed
