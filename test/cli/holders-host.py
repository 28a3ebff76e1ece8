#!/usr/bin/env python3
# Usage: holders-host.py DAXPIN [DIR]
# daxpin holders on this machine's own processes, both scan paths (BPF
# iterators as root, /proc with --no-bpf and as nobody), where main once gave
# wrong answers: more holders than the open-file limit must all be reported
# or the result must say it is incomplete and why; hostile names (newline,
# invalid UTF-8) give valid JSON, the same through either path, and one
# line per target in the concise output. Needs root (to act as nobody).
# The held files are made in DIR (default: a new directory under /tmp); the
# VM scenario holders-limits passes a directory on a DAX filesystem.
import ctypes
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

DAXPIN = sys.argv[1]
HOLDERS = 300
failed = 0
NOBODY = pwd.getpwnam("nobody")


def fail(msg):
    global failed
    failed = 1
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


def spawn_holders(path, n, uid=None):
    """n children holding path open, each until killed; returns once every
    one holds it (on a loaded machine a child may not have run yet)."""
    pids = []
    ready_r, ready_w = os.pipe()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_r)
                if uid is not None:
                    os.setgid(NOBODY.pw_gid)
                    os.setuid(uid)
                    # setuid from root made it undumpable: its /proc/PID/fd root's
                    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE
                fd = os.open(path, os.O_RDONLY)
                os.dup2(fd, 100)
                os.write(ready_w, b"r")
                os.close(ready_w)
                signal.pause()
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_w)
    ready = 0
    while ready < n:
        got = os.read(ready_r, n - ready)
        if not got:
            raise RuntimeError(f"only {ready} of {n} holders started")
        ready += len(got)
    os.close(ready_r)
    return pids


def reap(pids):
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        os.waitpid(pid, 0)


def holders(args, soft=None, hard=None, as_nobody=False):
    def limits():
        if as_nobody:
            os.setgid(NOBODY.pw_gid)
            os.setgroups([])
            os.setuid(NOBODY.pw_uid)
        if soft is not None:
            cur = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard if hard else cur[1]))
    p = subprocess.run([DAXPIN, "holders", "-t", "30"] + args, capture_output=True,
                       preexec_fn=limits, timeout=120)
    return p


def check_fd_limit(path, pids, label, extra, as_nobody):
    """Every holder reported, or incomplete with the real reason."""
    # a soft limit below the holders: raised to the hard one, all found
    p = holders(extra + ["-J", path], soft=64, as_nobody=as_nobody)
    res = json.loads(p.stdout.decode("utf-8"))[0]
    found = {h["pid"] for h in res["holders"]}
    if found >= set(pids):
        ok(f"{label}: soft limit 64: all {len(pids)} holders reported")
    else:
        fail(f"{label}: soft limit 64: {len(set(pids) - found)} of {len(pids)} holders missing: {res['reason']}")
    # hard limit too: what is not found must be declared
    for limit in (40, 8):
        p = holders(extra + ["-J", path], soft=limit, hard=limit, as_nobody=as_nobody)
        if p.returncode not in (0, 1, 4, 10):
            fail(f"{label}: limit {limit}: exit {p.returncode}: {p.stderr[:200]!r}")
            continue
        if not p.stdout:
            # the scan could not start at all: an error, never "none"
            if p.returncode == 1 and p.stderr.count(b"\n") == 1:
                ok(f"{label}: limit {limit}: scan failed with one error line")
            else:
                fail(f"{label}: limit {limit}: exit {p.returncode}, no output: {p.stderr!r}")
            continue
        res = json.loads(p.stdout.decode("utf-8"))[0]
        found = {h["pid"] for h in res["holders"]}
        if found >= set(pids):
            ok(f"{label}: limit {limit}: all holders reported")
        elif (not res["complete"] and "could not be examined" in (res["reason"] or "")
              and "open files" in (res["reason"] or "")):
            ok(f"{label}: limit {limit}: {len(found)} of {len(pids)} found, incomplete: {res['reason'][:60]}")
        else:
            fail(f"{label}: limit {limit}: {len(found)} of {len(pids)}, complete {res['complete']}, "
                 f"reason {res['reason']!r}")
        if not found and p.returncode not in (1,):
            fail(f"{label}: limit {limit}: nothing found but exit {p.returncode}, expected 1")
        if b"libbpf" in p.stderr:
            fail(f"{label}: limit {limit}: libbpf message on stderr: {p.stderr!r}")


tmp = tempfile.mkdtemp(prefix="daxpin-holders-", dir=sys.argv[2] if len(sys.argv) > 2 else None)
os.chmod(tmp, 0o755)


def world_readable_copy(exe, dest):
    """exe and its libdaxpin where nobody can run them ($ORIGIN/../lib, as in
    the build tree): the checkout itself may be in a 0700 home."""
    for sub in ("bin", "lib"):
        os.makedirs(os.path.join(dest, sub), mode=0o755, exist_ok=True)
    copy = os.path.join(dest, "bin", os.path.basename(exe))
    shutil.copy(exe, copy)
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    for line in ldd.splitlines():
        name, _, rest = line.strip().partition(" => ")
        if name.startswith("libdaxpin"):
            shutil.copy(rest.rsplit(" (", 1)[0], os.path.join(dest, "lib", name))
    return copy


DAXPIN = world_readable_copy(DAXPIN, os.path.join(tmp, "daxpin"))
target = os.path.join(tmp, "held")
open(target, "w").close()
os.chmod(target, 0o644)

pids = spawn_holders(target, HOLDERS)
try:
    check_fd_limit(target, pids, "root, BPF", [], False)
    check_fd_limit(target, pids, "root, /proc", ["--no-bpf"], False)
finally:
    reap(pids)
pids = spawn_holders(target, HOLDERS, uid=NOBODY.pw_uid)
try:
    check_fd_limit(target, pids, "nobody", [], True)
finally:
    reap(pids)

# hostile names: a target and a process name with a newline and invalid UTF-8
name = os.fsencode(os.path.join(tmp, "t\n\udcff"))
open(name, "w").close()
comm = b"q\n\xff\\"
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    fd = os.open(name, os.O_RDONLY)
    os.dup2(fd, 100)
    ctypes.CDLL(None).prctl(15, ctypes.c_char_p(comm), 0, 0, 0)  # PR_SET_NAME
    os.close(r)
    os.close(w)
    signal.pause()
    os._exit(0)
os.close(w)
os.read(r, 1)
try:
    comms = {}
    for label, extra in (("BPF", []), ("/proc", ["--no-bpf"])):
        p = subprocess.run([DAXPIN, "holders", "-J"] + extra + [name], capture_output=True)
        try:
            res = json.loads(p.stdout.decode("utf-8"))[0]
            comms[label] = [h["comm"] for h in res["holders"] if h["pid"] == pid]
            ok(f"{label}: JSON of hostile names is valid UTF-8: target {res['target']!r}")
        except (UnicodeDecodeError, ValueError, IndexError) as e:
            fail(f"{label}: hostile names: {e}: {p.stdout[:200]!r}")
    if comms.get("BPF") == comms.get("/proc") == ["q\n\\xff\\"]:
        ok(f"comm the same through BPF and /proc: {comms['BPF']!r}")
    else:
        fail(f"comm differs or is wrong: {comms!r}")
    p = subprocess.run([DAXPIN, "holders", name], capture_output=True)
    if p.returncode == 0 and p.stdout.count(b"\n") == 1 and b"\\x0a" in p.stdout:
        ok(f"concise output escapes the newline: {p.stdout!r}")
    else:
        fail(f"concise output: exit {p.returncode}: {p.stdout!r}")
    p = subprocess.run([DAXPIN, "holders", "-v", name], capture_output=True)
    if p.returncode == 0 and p.stdout.count(b"\n") == 2 and b"q\\x0a\\xff\\ " in p.stdout:
        ok("table escapes the command name (libsmartcols)")
    else:
        fail(f"table output: exit {p.returncode}: {p.stdout!r}")
finally:
    reap([pid])
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(failed)
