#!/bin/sh
# Guest half of test/bench/invocations (run by test/vm/run-scenario): the
# wall time of one daxpin invocation against its peers, in one guest run,
# on one 2 GiB NVDIMM with six namespaces and 3 page references held.
# ARGS: RUNS [BEFORE]: the mean of RUNS runs of each command; BEFORE, an
# older daxpin binary, is measured too, for the before/after figures.
# "cold" is the first run after boot (nothing pinned in bpffs yet).
# timeout: 1800
set -eu
. "$(dirname "$0")/../vm/scenarios/lib.sh"

runs=${1:-5}
before=${2:-}
spawn=$VM_HELPERS/../bench/spawn-holders
out=$RESULTS/invocations.txt
: >"$out"

for a in 4K 2M 4K; do
	ndctl create-namespace -r region0 -m devdax -a $a -s 256M >/dev/null
	ndctl create-namespace -r region0 -m fsdax -M dev -s 256M >/dev/null
done
dax=$(daxctl list | jq -r '[.[]?, .]? | .. | objects | select(.chardev) | .chardev' | sort | head -n 1)
hold_refs refs -m splice -k 3 "/dev/$dax"
echo "six namespaces, target $dax (4K device-dax, 3 page references held), $(nproc) CPUs, $runs runs each"

# secs RUNS CMD...: mean wall seconds of RUNS runs of CMD (which must succeed)
secs() {
	n=$1
	shift
	s=$(date +%s%N)
	i=0
	while [ "$i" -lt "$n" ]; do
		"$@" >/dev/null 2>/tmp/bench.err || {
			# a subshell: the scenario fails at its end
			echo "bench: '$*' failed: $(cat /tmp/bench.err)" >&2
			touch /tmp/bench.failed
			return
		}
		i=$((i + 1))
	done
	e=$(date +%s%N)
	echo "scale=3; ($e - $s) / $n / 1000000000" | bc
}

# record KEY SECONDS (nothing when the command failed)
record() { [ -z "$2" ] || echo "$1=$2" | tee -a "$out"; }

peer() { daxctl list -D && ndctl list -N; }
record peer "$(secs "$runs" peer)"

# list_cmds BIN LABEL: the list invocations of the issue
list_cmds() {
	record "$2.topology" "$(secs "$runs" "$1" list -o NAME,MODE,SIZE,DEV)"
	record "$2.topology_json" "$(secs "$runs" "$1" list -J -o NAME,MODE,SIZE,DEV)"
	record "$2.list" "$(secs "$runs" "$1" list)"
	record "$2.pinned_json" "$(secs "$runs" "$1" list --pinned --json)"
}
rm -rf /sys/fs/bpf/daxpin
record cold.list "$(secs 1 "$DAXPIN" list)"
record cold.holders "$(secs 1 "$DAXPIN" holders "$dax")"
list_cmds "$DAXPIN" after
if [ -n "$before" ]; then
	# the old JSON read page state whatever -o said, and refused -J -o
	record before.topology "$(secs "$runs" "$before" list -o NAME,MODE,SIZE,DEV)"
	record before.topology_json "$(secs "$runs" "$before" list -J)"
	record before.list "$(secs "$runs" "$before" list)"
	record before.pinned_json "$(secs "$runs" "$before" list --pinned --json)"
fi

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
for n in 300 2000; do
	rm -f /tmp/spawn.ready
	"$spawn" "$n" "/dev/$dax" /tmp/spawn.ready 65534 &
	spawner=$!
	wait_for /tmp/spawn.ready
	got=$("$DAXPIN" holders --pids "$dax" | wc -l)
	[ "$got" -ge "$n" ] || { echo "bench: daxpin holders found $got of $n holders" >&2; exit 1; }
	record "fuser.$n" "$(secs "$runs" fuser -v "/dev/$dax")"
	record "after.holders.$n" "$(secs "$runs" "$DAXPIN" holders "$dax")"
	record "after.holders_nobpf.$n" "$(secs "$runs" "$DAXPIN" holders --no-bpf "$dax")"
	record "fuser_nobody.$n" "$(secs "$runs" nobody fuser -v "/dev/$dax")"
	record "after.holders_nobody.$n" "$(secs "$runs" as_nobody daxpin holders "$dax")"
	if [ -n "$before" ]; then
		record "before.holders.$n" "$(secs "$runs" "$before" holders "$dax")"
	fi
	kill "$spawner"
	wait "$spawner" || true
done
release_refs refs

# the ratios of issue 15, from this run
awk -F= '{ v[$1] = $2 }
function row(what, key, peer, goal) {
	if (!(key in v) || !(peer in v))
		return
	printf "%-44s %7.3f s  %5.2fx %-8s", what, v[key], v[key] / v[peer], peer
	if (goal != "")
		printf "  goal <= %s: %s", goal, v[key] / v[peer] <= goal ? "met" : "MISSED"
	printf "\n"
}
END {
	printf "%-44s %7.3f s\n", "daxctl list -D; ndctl list -N (peer)", v["peer"]
	row("list -o NAME,MODE,SIZE,DEV", "after.topology", "peer", 1.0)
	row("list -J -o NAME,MODE,SIZE,DEV", "after.topology_json", "peer", 1.0)
	row("list (page state)", "after.list", "peer", 1.5)
	row("list --pinned --json", "after.pinned_json", "peer", 1.5)
	row("list, first after boot (loads, pins)", "cold.list", "peer", "")
	row("before: list -o NAME,MODE,SIZE,DEV", "before.topology", "peer", "")
	row("before: list -J (no -J -o then)", "before.topology_json", "peer", "")
	row("before: list", "before.list", "peer", "")
	row("before: list --pinned --json", "before.pinned_json", "peer", "")
	for (i = 0; i < 2; i++) {
		n = i ? 2000 : 300
		printf "%-44s %7.3f s\n", "fuser -v, " n " holders (peer)", v["fuser." n]
		row("holders, " n " holders", "after.holders." n, "fuser." n, 0.5)
		row("holders --no-bpf, " n " holders", "after.holders_nobpf." n, "fuser." n, "")
		row("holders unprivileged, " n, "after.holders_nobody." n, "fuser_nobody." n, 0.5)
		row("before: holders, " n " holders", "before.holders." n, "fuser." n, "")
	}
	row("holders, first after boot (loads, pins)", "cold.holders", "fuser.300", "")
}' "$out" | tee "$RESULTS/ratios.txt"
[ ! -e /tmp/bench.failed ]
