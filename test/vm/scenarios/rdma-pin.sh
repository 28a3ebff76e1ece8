#!/bin/sh
# Real long-term DMA pins, as RDMA takes them in production: soft-RoCE
# (rdma_rxe over a dummy netdev; no hardware, works under TCG) and
# ibv_reg_mr() on a device-dax mapping pin the pages with FOLL_LONGTERM.
# The kernel refuses the same on fsdax. Fails when hold-refs was built
# without libibverbs.
set -eu
. "$(dirname "$0")/lib.sh"

if ! "$VM_HELPERS/hold-refs" 2>&1 | grep -q 'pin|'; then
	echo "FAIL: hold-refs was built without libibverbs (install libibverbs-dev: scripts/install-deps.sh)"
	exit 1
fi
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy # numdummies=1 made one
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
rdma link show

# pinned DEV: "refs pinned" of a dax device as daxpin reports them
pinned() {
	"$DAXPIN" list --json --dev "$1" | jq -r '.. | objects | select(.chardev == "'"$1"'" and .driver) | "\(.refs) \(.pinned)"'
}

k=3
ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
hold_refs pin -m pin -k $k -s 2M /dev/dax0.0
echo "ok: $k pages of dax0.0 pinned by ibv_reg_mr"
"$DAXPIN" list --pinned
# a pin of a large folio is one reference and _pincount: all 512 pages pinned
expect "$k pinned 2M folios of dax0.0" "$k $((k * 512))" "$(pinned dax0.0)"
release_refs pin
expect "unpinned dax0.0" "0 0" "$(pinned dax0.0)"

# a pin of a small folio is GUP_PIN_COUNTING_BIAS (1024) references
ndctl create-namespace -r region0 -m devdax -a 4K -s 256M >/dev/null
hold_refs pin4k -m pin -k 5 /dev/dax0.1
expect "5 pinned 4K pages of dax0.1" "$((5 * 1024)) 5" "$(pinned dax0.1)"
release_refs pin4k
expect "unpinned dax0.1" "0 0" "$(pinned dax0.1)"

ndctl create-namespace -r region0 -m fsdax -s 512M >/dev/null
mkdir -p /tmp/pmem
mkfs.xfs -q /dev/pmem0.2
mount -o dax=always /dev/pmem0.2 /tmp/pmem
touch /tmp/now # released at once if it ever held
if "$VM_HELPERS/hold-refs" -m pin -t /tmp/now /tmp/pmem/file; then
	echo "FAIL: ibv_reg_mr pinned an fsdax file"
	exit 1
fi
echo "ok: ibv_reg_mr refused on fsdax"
exit $failed
