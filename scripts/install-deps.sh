#!/bin/sh
# Installs everything daxpin needs to build and to run its whole test suite
# on Debian bookworm. Idempotent and non-interactive; never changes apt sources.
set -eu

packages="
	meson ninja-build pkg-config gcc clang llvm
	libndctl-dev libdaxctl-dev libkmod-dev libjson-c-dev libudev-dev
	libsmartcols-dev libmount-dev libbpf-dev bpftool libcmocka-dev
	umockdev libumockdev-dev udev asciidoctor bash-completion
	ndctl daxctl qemu-system-x86 busybox-static cpio xz-utils zstd kmod libibverbs-dev ibverbs-providers
	xfsprogs e2fsprogs psmisc lsof util-linux jq
	python3 python3-jsonschema prometheus ansible-core
"
# kubectl checks contrib/kubernetes offline; any kubectl will do (a machine
# may have one from another package, which Debian's would conflict with)
command -v kubectl >/dev/null || packages="$packages kubernetes-client"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
