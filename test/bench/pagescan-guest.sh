#!/bin/sh
# Guest half of test/bench/pagescan (run by test/vm/run-scenario): scans the
# largest 4K device-dax namespace the emulated NVDIMM allows, and a 2M one
# for comparison, with pagestate-probe -b, which also times a memcpy() of
# the scanned struct page array in the same run.
# timeout: 600
set -eu

probe=$VM_HELPERS/../bench/pagestate-probe
repeat=${PAGESCAN_REPEAT:-5}

# all of region0 as one 4K device-dax; its struct pages live in the
# device ("-M dev"), as on real persistent memory
dax=$(ndctl create-namespace -r region0 -m devdax -a 4K | jq -r '.daxregion.devices[0].chardev')
echo "== 4K device-dax $dax, $(daxctl list -d "$dax" | jq '.[0].size') bytes"
"$probe" -b "$repeat" "$dax" | tee "$RESULTS/pagescan-4k.txt"
ndctl destroy-namespace -f all >/dev/null

dax=$(ndctl create-namespace -r region0 -m devdax -a 2M | jq -r '.daxregion.devices[0].chardev')
echo "== 2M device-dax $dax (reads 2 struct pages per 512-page folio)"
"$probe" -b "$repeat" "$dax" | tee "$RESULTS/pagescan-2m.txt"
