#!/bin/sh
# Baseline of the hazard daxpin exists to prevent, in the peer tools:
# `daxctl disable-device` succeeds while a pipe holds references to pages of
# the device; dropping them afterwards touches the torn-down struct pages and
# the kernel oopses. Passing means the harness saw that oops (on both
# kernels): the failure belongs to the kernel/daxctl, not to daxpin.
# expect: oops page_cache_pipe_buf_release
set -eu
. "$(dirname "$0")/lib.sh"

k=3
ndctl create-namespace -r region0 -m devdax -a 2M -s 256M >/dev/null
daxctl list -d dax0.0

# 2M-aligned device-dax pages are compound: a 2M stride puts the K
# references on K different folios.
hold_refs pipe -k $k -s 2M /dev/dax0.0

daxctl disable-device dax0.0
echo "daxctl disable-device succeeded with $k page references held"

release_refs pipe || echo "hold-refs ended with status $? (killed by the oops)"
