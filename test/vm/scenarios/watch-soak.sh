#!/bin/sh
# daxpin watch's memory stays bounded under a stream of real events. Each
# round: HOLDERS processes open a 4K device-dax device (spawn-holders, every
# tenth mapping a page) and are all killed once watch has seen them (a holder
# appeared and a left event each, for the device and for its namespace),
# hold-refs takes 1 to 4 page references on it and lets them go (pages events
# with the counts and the previous ones), and a second devdax namespace is
# disabled and enabled (its dax device's unbind, remove, add and bind events;
# unreadable or vanished when a scan comes between). Rounds go on until
# watch has written EVENTS lines. After the first round (the warm-up: every
# kind of event seen, the largest scan made) the peak resident set (VmHWM,
# from the first scan's end on) may not grow by 1 MiB; the peak, not VmRSS,
# because a scan's buffers come and go and VmRSS would be sampled in or out
# of one.
# ARGS: [EVENTS [HOLDERS]] (default 1500 and 100): watch.sh runs it so, at
# its end; test/bench/watch-soak runs it alone with 10,000. The figures go
# to $RESULTS/soak.txt.
# json: watch
# timeout: 600
set -eu
. "$(dirname "$0")/lib.sh"

target=${1:-1500}
holders=${2:-100}
spawn=$VM_HELPERS/../bench/spawn-holders

fail() {
	echo "FAIL: $*"
	kill "$watcher" 2>/dev/null || true
	exit 1
}

dax=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 256M | jq -r '.daxregion.devices[0].chardev')
other=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 256M)
other_ns=$(echo "$other" | jq -r .dev)
other_dax=$(echo "$other" | jq -r '.daxregion.devices[0].chardev')

events=$(json_file watch.soak.jsonl)
"$DAXPIN" watch --json --interval 0.1 >"$events" 2>/tmp/watch-soak.err &
watcher=$!

# count WHAT: lines of the events so far holding WHAT (grep, not jq: the
# file grows to thousands of lines, and this runs every 0.2 s)
count() { grep -c -F "$1" "$events" || true; }

# wait_count WHAT N: until N lines hold WHAT (120 s: a scan of hundreds of
# holders under TCG)
wait_count() {
	end=$(($(date +%s) + 120))
	until [ "$(count "$1")" -ge "$2" ]; do
		[ "$(date +%s)" -le $end ] || fail "$(count "$1") of $2 events holding '$1'"
		sleep 0.2
	done
}

# holder_event ACTION, device_event ACTION: what the lines of a holder of
# $dax appearing or leaving (its namespace has an event of its own), and of
# $other_dax removed or added, hold
holder_event() { echo "\"event\":\"holder\",\"action\":\"$1\",\"object\":\"$dax\""; }
device_event() { echo "\"event\":\"device\",\"action\":\"$1\",\"kind\":\"daxdev\",\"object\":\"$other_dax\""; }

# memory: "EVENTS VMRSS VMHWM RSSANON" (kB) now, from one read of watch's
# status, as a line of $RESULTS/soak-rounds.txt: a leak would show as a
# steady climb from round to round
memory() {
	awk -v events="$(wc -l <"$events")" '{ v[$1] = $2 }
		END { print events, v["VmRSS:"], v["VmHWM:"], v["RssAnon:"] }' \
		"/proc/$watcher/status" | tee -a "$RESULTS/soak-rounds.txt"
}
: >"$RESULTS/soak-rounds.txt"

wait_count '"event":"start","interval_ms":100,"page_state":true' 1
# the peak from here on: the first scan's loading of the page-state program
# (the first after boot: BTF, the verifier; ~10 MB) would hide any growth
echo 5 >"/proc/$watcher/clear_refs"
start=$(date +%s%N)
appeared=0
left=0
round=0
while :; do
	rm -f /tmp/spawn.ready
	"$spawn" "$holders" "/dev/$dax" /tmp/spawn.ready &
	spawner=$!
	wait_for /tmp/spawn.ready
	appeared=$((appeared + holders))
	wait_count "$(holder_event appeared)" $appeared

	# rounds 0, 4, 8... take 1 reference, 1, 5, 9... 2
	refs=$((round % 4 + 1))
	hold_refs refs -k $refs "/dev/$dax"
	appeared=$((appeared + 1))
	wait_count "\"event\":\"pages\",\"object\":\"$dax\",\"type\":\"daxdev\",\"refs\":$refs," $((round / 4 + 1))
	wait_count "$(holder_event appeared)" $appeared
	ndctl disable-namespace "$other_ns" >/dev/null
	ndctl enable-namespace "$other_ns" >/dev/null

	kill "$spawner"
	wait "$spawner"
	release_refs refs
	left=$((left + holders + 1))
	wait_count "$(holder_event left)" $left

	round=$((round + 1))
	# shellcheck disable=SC2046 # four numbers
	set -- $(memory)
	[ $round != 1 ] || warm="$*"
	[ "$1" -lt "$target" ] || break
done
end=$(date +%s%N)
total=$1
# $1-$4: events, VmRSS, VmHWM, RssAnon after the warm-up; $5-$8 at the end
# shellcheck disable=SC2086 # four numbers
set -- $warm "$@"

kill -TERM $watcher
rc=0
wait $watcher || rc=$?
expect "SIGTERM: exit 0, the end event last" "0 end SIGTERM" \
	"$rc $(tail -n 1 "$events" | jq -r '"\(.event) \(.signal)"')"
expect "no error event" 0 "$(count '"event":"error"')"
expect "$other_dax: removed and added each round" "$round $round" \
	"$(count "$(device_event remove)") $(count "$(device_event add)")"

growth=$(($7 - $3))
tee "$RESULTS/soak.txt" <<EOF
events=$total
rounds=$round
holders=$holders
seconds=$(echo "scale=1; ($end - $start) / 1000000000" | bc)
warmup_events=$1
rss_warmup_kb=$2
rss_end_kb=$6
hwm_warmup_kb=$3
hwm_end_kb=$7
hwm_growth_kb=$growth
anon_warmup_kb=$4
anon_end_kb=$8
EOF
echo "events: $(jq -r .event "$events" | sort | uniq -c | tr -s ' \n' ' ')"
[ "$total" -ge "$target" ] || fail "$total events, fewer than $target"
[ "$growth" -le 1024 ] ||
	fail "$total events: peak RSS grew from $3 kB to $7 kB after the warm-up (more than 1 MiB)"
echo "ok: $total events: peak RSS $3 kB -> $7 kB after the warm-up (within 1 MiB)"
cat /tmp/watch-soak.err
exit $failed
