#!/bin/sh
# Guest half of test/bench/sysram (run by test/vm/run-scenario): a system-RAM
# (kmem) device of 512 MiB and of 4 GiB, onlined movable; for each, as
# key=value lines in $RESULTS/sysram-SIZE.txt: daxpin memory's scan of its
# blocks cold (nothing pinned, as after a boot) and warm (best of 3), the
# time of a memcpy() of the range's struct pages in the same run (the
# physical limit of any scan), daxpin holders with the
# guest's own processes and with 2,000 more, and the peer's own time to
# offline and online the idle memory (daxctl offline-memory, online-memory).
# nvdimm-size: 6G
# timeout: 2400
set -eu
. "$(dirname "$0")/../vm/scenarios/lib.sh"

spawn=$VM_HELPERS/../bench/spawn-holders
echo offline >/sys/devices/system/memory/auto_online_blocks

# seconds CMD...: the wall time of one run, its output discarded
seconds() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo "$(( $(date +%s%N) - t0 ))" | awk '{ printf "%.4f", $1 / 1e9 }'
}
# best N CMD...: the least of N runs
best() {
	n=$1
	shift
	for _ in $(seq "$n"); do seconds "$@"; echo; done | sort -n | head -n 1
}

# memcpy_seconds BYTES: the best of 3 copies of BYTES (as many as the
# range's struct pages, 64 each), one thread as daxpin memory scans
memcpy_seconds() {
	python3 -c 'import sys, time
src = bytearray(int(sys.argv[1]))
best = None
for _ in range(3):
    t = time.perf_counter(); dst = bytes(src); t = time.perf_counter() - t
    best = t if best is None or t < best else best
print("%.4f" % best)' "$1"
}

for size in 512M 4G; do
	dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s "$size" | jq -r '.daxregion.devices[0].chardev')
	daxctl reconfigure-device -m system-ram "$dax" >/dev/null
	set -- $(daxctl list -d "$dax" -M | json_array | jq -r '.[0].mappings[0] | "\(.start) \(.end)"')
	pfn=$(($1 / 4096))
	pages=$((($2 + 1 - $1) / 4096))
	out=$RESULTS/sysram-$size.txt
	{
		echo "pages=$pages"
		echo "blocks=$(daxctl list -d "$dax" | json_array | jq '.[0].total_memblocks')"
		rm -rf /sys/fs/bpf/daxpin
		echo "memory_cold=$(seconds "$DAXPIN" memory --dev "$dax")"
		echo "memory_warm=$(best 3 "$DAXPIN" memory --dev "$dax")"
		echo "bench_memcpy_seconds=$(memcpy_seconds $((pages * 64)))"
		echo "processes=$(ls -d /proc/[0-9]* | wc -l)"
		echo "holders_warm=$(best 3 "$DAXPIN" holders "$dax")"
		rm -f /tmp/spawn.ready
		head -c 4096 /dev/zero >/tmp/spawn.file	# every tenth maps it
		"$spawn" 2000 /tmp/spawn.file /tmp/spawn.ready &
		spawned=$!
		wait_for /tmp/spawn.ready
		echo "processes_more=$(ls -d /proc/[0-9]* | wc -l)"
		echo "holders_more=$(best 3 "$DAXPIN" holders "$dax")"
		kill -TERM "$spawned"
		wait "$spawned" || true
		echo "peer_offline=$(seconds daxctl offline-memory "$dax")"
		echo "peer_online=$(seconds daxctl online-memory "$dax")"
		echo "drain=$(seconds "$DAXPIN" drain --timeout 120 "$dax")"
	} | tee "$out"
	[ "$(dev_state "$dax")" = disabled ] || { echo "sysram: $dax was not drained" >&2; exit 1; }
	ndctl destroy-namespace -f all >/dev/null
done
