#!/bin/sh
# Installs everything daxpin needs to build and to run its whole test suite
# on Debian bookworm. Idempotent and non-interactive; never changes apt sources.
set -eu

packages="
	meson ninja-build pkg-config gcc clang llvm
	libndctl-dev libdaxctl-dev libcxl-dev libkmod-dev libjson-c-dev libudev-dev
	libsmartcols-dev libmount-dev libbpf-dev bpftool libcmocka-dev
	umockdev libumockdev-dev udev asciidoctor bash-completion
	ndctl daxctl qemu-system-x86 busybox-static cpio xz-utils zstd kmod libibverbs-dev ibverbs-providers
	xfsprogs e2fsprogs psmisc lsof util-linux jq gdb strace
	python3 python3-jsonschema prometheus prometheus-node-exporter curl ansible-core
	systemd man-db iproute2
	debhelper fakeroot lintian
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
# One line per stage; apt's and dpkg's own lines (unpacking, setting up,
# debconf notes) go to a log shown only when a stage fails, so the first
# screen of the demo is daxpin's.
log=$(mktemp "${TMPDIR:-/tmp}/daxpin-install-deps.XXXXXX")
stage() {
	what=$1
	shift
	echo "install-deps: $what"
	echo "== $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "install-deps: $what failed (log above, also in $log)" >&2
		exit 1
	fi
}
stage "updating package lists" $SUDO apt-get -qq -o Dpkg::Use-Pty=0 update
# shellcheck disable=SC2086
stage "installing $(echo "$missing" | wc -w) packages (the list and apt's output: $log)" \
	$SUDO apt-get -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends install $missing
