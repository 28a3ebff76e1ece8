#!/bin/sh
# daxpin holders where main gave wrong answers, on a file of an XFS -o
# dax=always mount: 300 holders beyond the open-file limit (as root through
# BPF and /proc, and as nobody) all reported or the result declared
# partial with the reason; process and file names with a newline and
# invalid UTF-8 give valid JSON, the same through both scan paths (6.1 reads
# the maps text, 7.2 uses PROCMAP_QUERY). The checks are test/cli's
# holders-host.py, run here on a DAX filesystem.
# timeout: 360
set -eu
. "$(dirname "$0")/lib.sh"


ndctl create-namespace -r region0 -m fsdax -s 512M >/dev/null	# XFS needs over 300M
bdev=$(ndctl list -N | json_array | jq -r '.[] | select(.mode == "fsdax") | .blockdev')
mkfs.xfs -q -f "/dev/$bdev"
mkdir -p /tmp/pmem
mount -o dax=always "/dev/$bdev" /tmp/pmem
grep -q 'dax=always' /proc/self/mountinfo || { echo "FAIL: XFS not mounted with dax=always"; exit 1; }
chmod 755 /tmp/pmem
python3 "$(dirname "$0")/../../cli/holders-host.py" "$DAXPIN" /tmp/pmem
