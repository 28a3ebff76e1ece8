#!/bin/sh
# The JSON contract on a real kernel: every --json output, in the states
# that fill its optional parts (page references held by pipes on a
# device-dax device and an XFS file, a truncate asleep in a layout break,
# a drain that times out and one that disables, root and user nobody), is
# kept in $RESULTS/json; run-scenario validates each against schema/ on
# the host. Every output must also carry schema_version 1.
# json: list holders drain layouts layouts-wait layouts-files break-layouts
# timeout: 420
set -eu
. "$(dirname "$0")/lib.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
fsdax=$(ndctl create-namespace -r region0 -m fsdax -s 512M | jq -r .blockdev)
mkdir -p /tmp/xfs
mkfs.xfs -q -f "/dev/$fsdax" && mount -o dax=always "/dev/$fsdax" /tmp/xfs
f=/tmp/xfs/f

hold_refs a -k 3 -s 2M "/dev/$dax"
hold_refs b -k 1 "$f"

# --- list, holders: root and nobody ------------------------------------
"$DAXPIN" list --json >"$(json_file list.root.json)"
"$DAXPIN" list --json --pinned -v >"$(json_file list.pinned-verbose.json)"
"$DAXPIN" list --json -u --holders >"$(json_file list.holders-human.json)"
as_nobody daxpin list --json >"$(json_file list.nobody.json)"
expect "list: the held pages are counted" 3 \
	"$(jq '[.. | objects | select(.chardev == "'"$dax"'" and .driver)][0].refs' "$RESULTS/json/list.root.json")"
"$DAXPIN" holders --json "$dax" /tmp/xfs "$f" >"$(json_file holders.root.json)"
as_nobody daxpin holders --json "$dax" /tmp/xfs >"$(json_file holders.nobody.json)" || true
expect "holders: the pipe's pages owned" "3" \
	"$(jq '[.[0].holders[].references[]? | select(.kind == "pipe") | .pages] | add' "$RESULTS/json/holders.root.json")"

# --- drain: progress and a timed-out result; later a disabling one -----
rc=0
"$DAXPIN" drain --json --timeout 1 "$dax" >"$(json_file drain.timeout.jsonl)" || rc=$?
expect "drain: timed out (6), the result last" "6 result" \
	"$rc $(tail -n 1 "$RESULTS/json/drain.timeout.jsonl" | jq -r .event)"

# --- layouts: a truncate asleep in the layout break ---------------------
truncate -s "$(stat -c %s "$f")" "$f" &
tpid=$!
i=0
until "$DAXPIN" layouts --json "$f" >"$(json_file layouts.waiting.json)" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "daxpin layouts never listed the truncate $tpid"
	sleep 0.2
done
expect "layouts: the truncate waits" "$tpid ftruncate" \
	"$(jq -r '.[0] | "\(.pid) \(.operation)"' "$RESULTS/json/layouts.waiting.json")"
as_nobody daxpin layouts --json >"$(json_file layouts.nobody.json)" 2>/dev/null || true
rc=0
"$DAXPIN" layouts --wait --timeout 1 --json "$f" >"$(json_file layouts-wait.timeout.jsonl)" || rc=$?
expect "layouts --wait: timeout (6)" "6 timeout" \
	"$rc $(tail -n 1 "$RESULTS/json/layouts-wait.timeout.jsonl" | jq -r .event)"
release_refs b
wait $tpid
"$DAXPIN" layouts --wait --timeout 5 --json "$f" >"$(json_file layouts-wait.clear.jsonl)"

# --- break-layouts: a free file, then a held one killed at the timeout --
"$DAXPIN" break-layouts --json "$f" >"$(json_file break-layouts.free.json)"
hold_refs b -k 1 "$f"
"$DAXPIN" layouts --files --json /tmp/xfs >"$(json_file layouts-files.held.json)"
rc=0
"$DAXPIN" break-layouts --timeout 2 --json "$f" >"$(json_file break-layouts.timeout.json)" || rc=$?
expect "break-layouts: timed out (6) with the waiter and the holder" "6 1 $(cat /tmp/b.pid)" \
	"$rc $(jq -r '.[0] | "\(.waiters | length) \(.holders[0].pid)"' "$RESULTS/json/break-layouts.timeout.json")"
release_refs b

# --- drain once released: disabled ------------------------------------
release_refs a
"$DAXPIN" drain --json "$dax" >"$(json_file drain.disabled.jsonl)"
expect "drain: disabled event, then ok" "disabled ok" \
	"$(jq -r '.event' "$RESULTS/json/drain.disabled.jsonl" | grep -v progress | head -n 1) $(tail -n 1 "$RESULTS/json/drain.disabled.jsonl" | jq -r .result)"

# every document (each JSON Lines event, each element of a top-level array)
for doc in "$RESULTS"/json/*; do
	case $doc in
	*.jsonl) v=$(jq -s '[.[].schema_version] | unique | join(",")' "$doc") ;;
	*) v=$(jq 'if type == "array" then [.[].schema_version] | unique | join(",") else .schema_version | tostring end' "$doc") ;;
	esac
	case $v in
	'"1"' | '""') ;;
	*) fail "$(basename "$doc"): schema_version $v" ;;
	esac
done
umount /tmp/xfs
exit $failed
