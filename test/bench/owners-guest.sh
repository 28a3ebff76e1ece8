#!/bin/sh
# Benchmark (not a test) of the reference-owners scan, run in the VM:
#
#   test/vm/run-scenario current|stock test/bench/owners-guest.sh
#
# (with DAXPIN and VM_HELPERS set as in test/vm/meson.build). N processes
# (default 2000) each hold a pipe with one page of ordinary memory in it,
# and one more holds 7 pages of a 4K device-dax in a pipe after closing the
# device. Prints the mean wall time of `daxpin holders dax0.0` (BPF
# holders scan plus owners scan) against `--no-owners` (today's holders
# scan alone) and their ratio; the goal is at most 2.
#
# Measured with programs pinned in bpffs (lib/core/bpf.c; QEMU TCG, 2,074
# processes, 10 runs each, the host busy with a suite run): 7.2 --no-owners
# 1.30 s, with owners 0.82 s, ratio 0.63; 6.1 1.54 s and 0.58 s, ratio 0.37:
# the goal met on both. (Before the pins: 7.2 ratio 8.6, each run loading
# the owners iterator and the page-state program.) That --no-owners comes
# out slower is not explained yet.
# timeout: 600
set -eu
. "$(dirname "$0")/../vm/scenarios/lib.sh"

procs=${OWNERS_BENCH_PROCS:-2000}
runs=${OWNERS_BENCH_RUNS:-10}
dir=$(mktemp -d /tmp/owners-bench.XXXXXX)
cat >"$dir/spawn.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = atoi(argv[1]);
	static char page[4096];

	for (int i = 0; i < n; i++) {
		int fds[2];

		if (pipe(fds) || write(fds[1], page, sizeof(page)) != sizeof(page))
			return 1;
		if (fork() == 0) {
			pause();
			_exit(0);
		}
		close(fds[0]);
		close(fds[1]);
	}
	fclose(fopen(argv[2], "w"));
	pause();
	return 0;
}
C
cc -O2 -o "$dir/spawn" "$dir/spawn.c"
dax=$(ndctl create-namespace -r region0 -m devdax -a 4K -s 256M | jq -r '.daxregion.devices[0].chardev')
hold_refs h -c -k 7 "/dev/$dax" >/dev/null
"$dir/spawn" "$procs" "$dir/ready" &
spawner=$!
wait_for "$dir/ready"
echo "owners bench: $KVER, $procs processes with a pipe each ($(ls -d /proc/[0-9]* | wc -l) in all), $runs runs"
"$DAXPIN" holders -o PID,ACCESS,COMMAND,REFS "$dax"

# mean wall seconds of RUNS runs of daxpin holders ARGS
mean() {
	start=$(date +%s%N)
	i=0
	while [ $i -lt "$runs" ]; do
		"$DAXPIN" holders "$@" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	echo "$(( ($(date +%s%N) - start) / runs / 1000 ))"
}
without=$(mean --no-owners "$dax")
with=$(mean "$dax")
echo "owners bench: holders --no-owners ${without} us, holders (with owners) ${with} us, ratio $(echo "scale=2; $with / $without" | bc)" |
	tee "$RESULTS/owners-bench.txt"
kill "$spawner" 2>/dev/null
release_refs h >/dev/null
