#!/bin/sh
# Guest half of test/bench/invocations (run by test/vm/run-scenario): the
# wall time of daxpin invocations against their peers, all in one guest
# run, on a 4 GiB NVDIMM with six namespaces and 3 page references held:
# each command cold (bpffs pins removed, as after a boot) and warm; holders
# of 300 openers and 30 python mappers (real processes: many mappings,
# libraries on the 9p root) and of 2,000 openers; and at scale, 64
# namespaces and 20,000 processes of which 2,000 hold.
# ARGS: RUNS [BEFORE]: every figure RUNS times, one KEY=SECONDS line per
# run (the host prints mean and spread); BEFORE, an older daxpin binary,
# is measured beside, for the before/after figures.
# nvdimm-size: 4G
# ram: 6G
# timeout: 3400
set -eu
. "$(dirname "$0")/../vm/scenarios/lib.sh"

runs=${1:-3}
before=${2:-}
spawn=$VM_HELPERS/../bench/spawn-holders
out=$RESULTS/invocations.txt
: >"$out"

for a in 4K 2M 4K; do
	ndctl create-namespace -r region0 -m devdax -a $a -s 256M >/dev/null
	ndctl create-namespace -r region0 -m fsdax -M dev -s 256M >/dev/null
done
devs=$(daxctl list | jq -r '[.[]?, .]? | .. | objects | select(.chardev) | .chardev' | sort)
dax=$(echo "$devs" | head -n 1)	# 4K, holds the references
idle=$(echo "$devs" | tail -n 1)	# 4K, held by nobody: drain --dry-run succeeds
hold_refs refs -m splice -k 3 "/dev/$dax"
echo "six namespaces, target $dax (4K device-dax, 3 page references held), $(nproc) CPUs, $runs runs each"

# time1 KEY CMD...: one run of CMD, "KEY=SECONDS" into $out. CMD must exit
# 0 (or 10 where it found nothing, as `holders` of an idle device would).
time1() {
	key=$1
	shift
	s=$(date +%s%N)
	rc=0
	"$@" >/dev/null 2>/tmp/bench.err || rc=$?
	e=$(date +%s%N)
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 10 ]; then
		# a subshell: the scenario fails at its end
		echo "bench: '$*' failed ($rc): $(cat /tmp/bench.err)" >&2
		touch /tmp/bench.failed
		return
	fi
	echo "$key=$(echo "scale=3; ($e - $s) / 1000000000" | bc)" | tee -a "$out"
}
# warm N KEY CMD...: N runs after an untimed one
warm() {
	n=$1
	shift
	"$@" >/dev/null 2>&1 || true
	i=0
	while [ "$i" -lt "$n" ]; do
		time1 "$@"
		i=$((i + 1))
	done
}
# cold KEY CMD...: one run with nothing pinned
cold() {
	rm -rf /sys/fs/bpf/daxpin
	time1 "$@"
}

peer() { daxctl list -D && ndctl list -N; }
# what an operator runs before disabling a device without daxpin
peer_drain() { fuser -v "/dev/$1" || true; daxctl list -d "$1"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# list_cmds BIN LABEL: the list invocations, warm
list_cmds() {
	warm "$runs" "$2.topology" "$1" list -o NAME,MODE,SIZE,DEV
	warm "$runs" "$2.topology_json" "$1" list -J -o NAME,MODE,SIZE,DEV
	warm "$runs" "$2.list" "$1" list
	warm "$runs" "$2.pinned_json" "$1" list --pinned --json
}

# cold and warm of every command that loads BPF programs, the peers in the
# same rounds so that a busy host weighs on all alike
r=0
while [ "$r" -lt "$runs" ]; do
	r=$((r + 1))
	time1 peer peer
	time1 fuser.base fuser -v "/dev/$dax"
	time1 peer_drain peer_drain "$idle"
	cold cold.list "$DAXPIN" list
	cold cold.pinned_json "$DAXPIN" list --pinned --json
	cold cold.holders "$DAXPIN" holders "$dax"
	time1 warm.holders.base "$DAXPIN" holders "$dax"
	cold cold.drain "$DAXPIN" drain --dry-run "$idle"
	time1 warm.drain "$DAXPIN" drain --dry-run "$idle"
done
list_cmds "$DAXPIN" after
if [ -n "$before" ]; then
	# the old JSON read page state whatever -o said, and refused -J -o
	warm "$runs" before.topology "$before" list -o NAME,MODE,SIZE,DEV
	warm "$runs" before.topology_json "$before" list -J
	warm "$runs" before.list "$before" list
	warm "$runs" before.pinned_json "$before" list --pinned --json
fi

# holders_rows N: every holders figure with the current population
holders_rows() {
	warm "$runs" "fuser.$1" fuser -v "/dev/$dax"
	warm "$runs" "after.holders.$1" "$DAXPIN" holders "$dax"
	warm "$runs" "after.holders_nobpf.$1" "$DAXPIN" holders --no-bpf "$dax"
	warm "$runs" "fuser_nobody.$1" nobody fuser -v "/dev/$dax"
	warm "$runs" "after.holders_nobody.$1" as_nobody daxpin holders "$dax"
	[ -z "$before" ] || warm "$runs" "before.holders.$1" "$before" holders "$dax"
}
# spawn N [HOLDING]: N processes of spawn-holders (as nobody), HOLDING of them on $dax
spawn() {
	rm -f /tmp/spawn.ready
	"$spawn" "$1" "/dev/$dax" /tmp/spawn.ready 65534 ${2:-} &
	spawner=$!
	wait_within 1200 test -e /tmp/spawn.ready
}
# held_by N: daxpin holders finds at least N holders (else the figure is void)
held_by() {
	got=$("$DAXPIN" holders --pids "$dax" | wc -l)
	[ "$got" -ge "$1" ] || { echo "bench: daxpin holders found $got of $1 holders" >&2; exit 1; }
}

# 300 openers and 30 python mappers of the device's first 2 MiB
spawn 300
i=0
pythons=""
while [ "$i" -lt 30 ]; do
	python3 -c 'import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 2 << 20)
os.close(fd)
open(sys.argv[2], "w").close()
time.sleep(100000)' "/dev/$dax" "/tmp/python.$i" &
	pythons="$pythons $!"
	i=$((i + 1))
done
p=0	# not i: wait_within counts in i
while [ "$p" -lt 30 ]; do
	wait_within 600 test -e "/tmp/python.$p"
	p=$((p + 1))
done
held_by 330
echo "procs.300=$(ls -d /proc/[0-9]* | wc -l)" >>"$out"
holders_rows 300
# shellcheck disable=SC2086 # one pid each
kill $pythons "$spawner"
wait "$spawner" || true

spawn 2000
held_by 2000
echo "procs.2000=$(ls -d /proc/[0-9]* | wc -l)" >>"$out"
holders_rows 2000
kill "$spawner"
wait "$spawner" || true

# scale: 20,000 processes of which 2,000 hold (every tenth of those maps)
spawn 20000 2000
held_by 2000
echo "procs.20000=$(ls -d /proc/[0-9]* | wc -l)" >>"$out"
warm "$runs" fuser.20000 fuser -v "/dev/$dax"
warm "$runs" after.holders.20000 "$DAXPIN" holders "$dax"
warm "$runs" after.holders_nobpf.20000 "$DAXPIN" holders --no-bpf "$dax"
kill "$spawner"
wait "$spawner" || true
release_refs refs

# scale: 64 namespaces, each with its dax device (58 more, 32 MiB each)
echo "namespaces.6=$(ndctl list -N | jq length)" >>"$out"
i=0
while [ "$i" -lt 58 ]; do
	ndctl create-namespace -r region0 -m devdax -a 4K -s 32M >/dev/null
	i=$((i + 1))
done
echo "namespaces.64=$(ndctl list -N | jq length)" >>"$out"
warm "$runs" peer.64 peer
warm "$runs" after.topology.64 "$DAXPIN" list -o NAME,MODE,SIZE,DEV
warm "$runs" after.list.64 "$DAXPIN" list
warm "$runs" after.pinned_json.64 "$DAXPIN" list --pinned --json
r=0
while [ "$r" -lt "$runs" ]; do
	r=$((r + 1))
	cold cold.list.64 "$DAXPIN" list
done

# means, spread and ratios, from this run
awk -F= -f "$(dirname "$0")/invocations-ratios.awk" "$out" >"$RESULTS/ratios.txt"
cat "$RESULTS/ratios.txt"
[ ! -e /tmp/bench.failed ]
