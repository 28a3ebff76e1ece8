#!/bin/sh
# Real long-term DMA pins, as RDMA takes them in production: soft-RoCE
# (rdma_rxe over a dummy netdev; no hardware, works under TCG) and
# ibv_reg_mr() on a device-dax mapping pin the pages with FOLL_LONGTERM.
# The kernel refuses the same on fsdax. Skips when hold-refs was built
# without libibverbs.
set -eu
. "$(dirname "$0")/lib.sh"

if ! "$VM_HELPERS/hold-refs" 2>&1 | grep -q 'pin|'; then
	echo "hold-refs was built without libibverbs: no pin mode"
	exit 77
fi
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy # numdummies=1 made one
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
rdma link show

k=3
ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
hold_refs pin -m pin -k $k -s 2M /dev/dax0.0
echo "ok: $k pages of dax0.0 pinned by ibv_reg_mr"
if daxpin_has list --pinned; then
	"$DAXPIN" list --pinned
fi
release_refs pin

ndctl create-namespace -r region0 -m fsdax -s 512M >/dev/null
mkdir -p /tmp/pmem
mkfs.xfs -q /dev/pmem0.1
mount -o dax=always /dev/pmem0.1 /tmp/pmem
touch /tmp/now # released at once if it ever held
if "$VM_HELPERS/hold-refs" -m pin -t /tmp/now /tmp/pmem/file; then
	echo "FAIL: ibv_reg_mr pinned an fsdax file"
	exit 1
fi
echo "ok: ibv_reg_mr refused on fsdax"
