#!/bin/sh
# Guest half of test/bench/drain (run by test/vm/run-scenario): the
# release-to-unbind delay of daxpin drain on a 2M device-dax device.
# timeout: 600
set -eu
dax=$(ndctl create-namespace -r region0 -m devdax -a 2M -s 256M | jq -r '.daxregion.devices[0].chardev')
"$VM_HELPERS/../bench/drain-delay" -n "${DRAIN_RUNS:-12}" "$DAXPIN" "$dax" >"$RESULTS/drain.txt"
cat "$RESULTS/drain.txt"
