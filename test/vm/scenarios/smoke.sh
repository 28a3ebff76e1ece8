#!/bin/sh
# Boots, and checks that the modules loaded and ndctl/daxctl see the NVDIMM.
set -eu

echo "kernel $KVER ($KERNEL_FLAVOR)"
for m in libnvdimm nfit nd_pmem dax_pmem device_dax kmem xfs ext4; do
	[ -d "/sys/module/$m" ] || { echo "module $m missing"; exit 1; }
done
ndctl list -R
[ "$(ndctl list -R | jq length)" -ge 1 ]
ndctl create-namespace -r region0 -m devdax -a 4K -s 64M
daxctl list
[ "$(daxctl list | jq length)" -eq 1 ]

# daxpin's CO-RE subset of this kernel's BTF (lib/core/core_btf.h)
# relocates every BPF program exactly as libbpf does with the whole BTF
"$VM_HELPERS/core-btf-check"
