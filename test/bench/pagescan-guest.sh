#!/bin/sh
# Guest half of test/bench/pagescan (run by test/vm/run-scenario): scans
# 4K device-dax and fsdax namespaces of 2, 16 and 64 GiB with
# pagestate-probe -b, which also times a memcpy() of the scanned struct page
# array in the same run, once on every CPU and once on one (taskset).
# Their struct pages live in the namespace ("-M dev"), as on real persistent
# memory: those of 64 GiB (1 GiB) would not fit the guest's 2 GiB of RAM.
# nvdimm-size: 66G
# timeout: 2400
set -eu

probe=$VM_HELPERS/../bench/pagestate-probe
repeat=${PAGESCAN_REPEAT:-3}

for gib in 2 16 64; do
	for mode in devdax fsdax; do
		case $mode in
		devdax)
			dev=$(ndctl create-namespace -r region0 -m devdax -a 4K -M dev -s "${gib}G" |
				jq -r '.daxregion.devices[0].chardev') ;;
		fsdax)
			dev=$(ndctl create-namespace -r region0 -m fsdax -M dev -s "${gib}G" | jq -r .dev) ;;
		esac
		echo "== $gib GiB $mode $dev"
		"$probe" -b "$repeat" "$dev" | tee "$RESULTS/pagescan-$mode-${gib}g-all.txt"
		taskset -c 0 "$probe" -b "$repeat" "$dev" | tee "$RESULTS/pagescan-$mode-${gib}g-one.txt"
		for n in all one; do
			grep -v '^bench_' "$RESULTS/pagescan-$mode-${gib}g-$n.txt" >"/tmp/counts-$n"
		done
		cmp /tmp/counts-all /tmp/counts-one || {
			echo "pagescan: $gib GiB $mode: the counts on every CPU differ from those on one" >&2
			exit 1
		}
		ndctl destroy-namespace -f all >/dev/null
	done
done
