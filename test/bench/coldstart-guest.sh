#!/bin/sh
# Guest half of test/bench/coldstart (run by test/vm/run-scenario): where the
# first daxpin run after boot spends its time. ARGS: RUNS BIN...: the first
# BIN is the daxpin under test, the others older builds. Each command of
# each BIN runs cold (/sys/fs/bpf/daxpin removed, as after a reboot) once
# under strace and perf, whose logs go to $RESULTS for the host's breakdown;
# then RUNS rounds time the peers and, for each BIN in turn, list and
# holders cold and warm (after an untimed warm-up), so that a busy host
# weighs on all of them alike. Every run is one KEY=SECONDS line.
# timeout: 1500
set -eu
. "$(dirname "$0")/../vm/scenarios/lib.sh"

runs=$1
shift
out=$RESULTS/coldstart.txt
: >"$out"

ndctl create-namespace -r region0 -m devdax -a 4K -s 256M >/dev/null
ndctl create-namespace -r region0 -m fsdax -M dev -s 256M >/dev/null
dax=$(daxctl list | jq -r '[.[]?, .]? | .. | objects | select(.chardev) | .chardev' | head -n 1)
hold_refs refs -m splice -k 3 "/dev/$dax"

# secs CMD...: wall seconds of one run of CMD (which must succeed)
secs() {
	s=$(date +%s%N)
	"$@" >/dev/null 2>"$RESULTS/last.err" || { cat "$RESULTS/last.err" >&2; exit 1; }
	e=$(date +%s%N)
	echo "scale=3; ($e - $s) / 1000000000" | bc
}
record() { echo "$1=$2" | tee -a "$out"; }

peer() { daxctl list -D && ndctl list -N; }
# args CMD: the arguments of daxpin CMD, split at blanks where used
args() { if [ "$1" = list ]; then echo list; else echo "holders $dax"; fi; }

i=0
for bin; do
	tag=b$i
	i=$((i + 1))
	LD_DEBUG=statistics "$bin" --version 2>"$RESULTS/$tag.ld-stats" >/dev/null
	for cmd in list holders; do
		a=$(args "$cmd")
		rm -rf /sys/fs/bpf/daxpin
		DAXPIN_LOG=debug strace --seccomp-bpf -f -ttt -T -e trace=execve,openat,close,bpf,exit_group \
			-o "$RESULTS/$tag.$cmd.strace" "$bin" $a >/dev/null 2>"$RESULTS/$tag.$cmd.debug"
		# a figure without the page state or the owners is no cold start
		! grep -E 'unavailable|not searched' "$RESULTS/$tag.$cmd.debug" ||
			{ echo "coldstart: $bin $a: BPF programs not loaded" >&2; exit 1; }
		# where the CPU time goes, user space (libbpf's BTF, CO-RE) and
		# kernel (the verifier) alike
		rm -rf /sys/fs/bpf/daxpin
		perf record -q -F 1999 -g -o /tmp/perf.data -- "$bin" $a >/dev/null 2>&1
		perf report -i /tmp/perf.data --stdio --no-children --sort dso,sym \
			2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 40 >"$RESULTS/$tag.$cmd.perf"
		perf report -i /tmp/perf.data --stdio --children --sort sym -g none \
			2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 60 >"$RESULTS/$tag.$cmd.perf-children"
	done
done

r=0
while [ "$r" -lt "$runs" ]; do
	r=$((r + 1))
	secs peer >/dev/null
	record peer "$(secs peer)"
	record fuser "$(secs fuser -v "/dev/$dax")"
	record true "$(secs /bin/true)"
	record kallsyms_read "$(secs cat /proc/kallsyms)"
	i=0
	for bin; do
		tag=b$i
		i=$((i + 1))
		record "$tag.version" "$(secs "$bin" --version)"
		for cmd in list holders; do
			rm -rf /sys/fs/bpf/daxpin
			record "$tag.cold.$cmd" "$(secs "$bin" $(args "$cmd"))"
		done
		for cmd in list holders; do
			secs "$bin" $(args "$cmd") >/dev/null
			record "$tag.warm.$cmd" "$(secs "$bin" $(args "$cmd"))"
		done
	done
done
release_refs refs

# the verifier's own account of each program: instructions processed,
# states, and its time (log level 1 | 4)
build=$VM_HELPERS/../..
for obj in daxpin; do
	rm -rf /sys/fs/bpf/verify
	bpftool -d prog loadall "$build/bpf/$obj.bpf.o" /sys/fs/bpf/verify 2>&1 |
		grep -E "^processed|verification time|prog '[a-z_]*': -- BEGIN" >"$RESULTS/verifier-$obj.txt" || true
done
rm -rf /sys/fs/bpf/verify
