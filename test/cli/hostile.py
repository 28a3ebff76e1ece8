#!/usr/bin/env python3
# Usage: hostile.py DAXPIN
# Every command under hostile arguments, hand-picked (the cases of issue 11)
# and random, on this machine whatever persistent memory it has. The
# contract of man daxpin: the exit code is from the table; a usage or
# not-found error is one line on stderr and nothing on stdout; JSON is
# valid UTF-8 JSON. Run by the cli suite, so under the sanitizers too
# (scripts/test --sanitize). HOSTILE_SEED=N repeats a random run.
import json
import os
import random
import subprocess
import sys
import tempfile
import time

DAXPIN = sys.argv[1]
TABLE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10}
failed = 0


def fail(msg):
    global failed
    failed = 1
    print("FAIL: " + msg)


def run(args, timeout=60):
    return subprocess.run([DAXPIN] + args, capture_output=True, timeout=timeout)


def check_contract(args, p):
    """The rules every run obeys, whatever its arguments."""
    what = repr(args)
    if p.returncode not in TABLE:
        fail(f"{what}: exit {p.returncode} is not in the table")
        return
    if p.returncode in (2, 3):
        # drain --json ends every stream with its result object, even then
        if (p.returncode == 3 and args[:1] == ["drain"] and "--json" in args and
                p.stdout.count(b"\n") == 1 and
                json.loads(p.stdout).get("result") == "not-found"):
            pass
        elif p.stdout:
            fail(f"{what}: exit {p.returncode} with output {p.stdout[:80]!r}")
        if p.stderr.count(b"\n") != 1 or not p.stderr.endswith(b"\n"):
            fail(f"{what}: exit {p.returncode}, error not one line: {p.stderr[:300]!r}")
    # -h and -H print their text and exit, whatever else is on the line
    asks_help = any(a in ("-h", "--help", "-H", "--list-columns") for a in args)
    if (p.returncode not in (2, 3) and args[:1] in (["list"], ["holders"]) and
            ("-J" in args or "--json" in args) and not asks_help and p.stdout):
        try:
            json.loads(p.stdout.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            fail(f"{what}: invalid JSON: {e}: {p.stdout[:200]!r}")
    for stream in (p.stdout, p.stderr):
        if b"AddressSanitizer" in stream or b"runtime error:" in stream:
            fail(f"{what}: sanitizer report")


def expect(want, args):
    p = run(args)
    check_contract(args, p)
    if p.returncode != want:
        fail(f"{args!r}: exit {p.returncode}, expected {want}: {p.stderr[:200]!r}")
    else:
        print(f"ok: exit {want}: {args!r}")
    return p


tmp = tempfile.mkdtemp(prefix="daxpin-hostile-")
os.chmod(tmp, 0o755)
plain = os.path.join(tmp, "f")
open(plain, "w").close()
loop = os.path.join(tmp, "loop")
os.symlink(loop, loop)

# hand-picked: each was outside the contract on main
expect(2, [])
expect(2, ["list", "--bogus"])
expect(2, ["list", "-o"])
expect(2, ["list", "--json=1"])
expect(2, ["list", "-o", ","])
expect(2, ["list", "-o", "NAME,"])
expect(2, ["list", "-o", "NAME,,SIZE"])
expect(2, ["list", "-o", "NAME,name"])
expect(2, ["list", "-o", "+NAME"])
expect(2, ["list", "-J", "-o", "NAME,BOGUS"])
expect(2, ["list", "-J", "-o", "NAME", "-n"])
expect(2, ["list", "-J", "-n", "-o", "NAME"])
expect(2, ["list", "-J", "-r", "-n", "-b"])
expect(2, ["list", "-u"])
expect(2, ["list", "-v"])
expect(2, ["list", "stray"])
expect(3, ["list", "--dev", "dax99.99"])
expect(2, ["holders"])
expect(2, ["holders", "-t", "nan", plain])
expect(2, ["holders", "-t", "inf", plain])
expect(2, ["holders", "-t", "-1", plain])
expect(2, ["holders", "-t", "1e9", plain])
expect(2, ["holders", "-J", "-o", "PID", plain])
expect(2, ["holders", "-J", "-p", plain])
expect(2, ["holders", "-v", "-p", plain])
expect(2, ["holders", "-p", "-n", plain])
expect(2, ["holders", "-o", "PID,PID", plain])
expect(2, ["holders", "x" * 5000])
expect(3, ["holders", plain + "/below-a-file"])
expect(3, ["holders", loop])
expect(3, ["holders", "/nonexistent/file"])
expect(2, ["layouts", "-J", "-o", "PID"])
expect(2, ["layouts", "--bogus"])
expect(2, ["layouts", "-t", "nan", "--wait"])
expect(2, ["layouts", "-t", "1"])
expect(2, ["layouts", "-o", "PID,PID"])
expect(2, ["layouts", "--wait", "--files", "/"])
expect(3, ["layouts", "/nonexistent/file"])
expect(2, ["break-layouts"])
expect(2, ["break-layouts", "-t"])
expect(2, ["break-layouts", "-t", "nan", plain])
expect(3, ["break-layouts", "/nonexistent/file"])
expect(8, ["break-layouts", plain])
# drain: hand-picked only, and never a target that exists (random arguments
# on a machine with persistent memory could take a real device out)
expect(2, ["drain"])
expect(2, ["drain", "--bogus", "no-such-dax9.9"])
expect(2, ["drain", "-t"])
expect(2, ["drain", "-t", "nan", "no-such-dax9.9"])
expect(2, ["drain", "-t", "1e9", "no-such-dax9.9"])
expect(2, ["drain", "-g", "1", "no-such-dax9.9"])
expect(2, ["drain", "--force", "--dry-run", "no-such-dax9.9"])
expect(3, ["drain", "no-such-dax9.9"])
expect(3, ["drain", "--dry-run", "--json", "no-such-dax9.9"])
expect(3, ["drain", "/dev/no-such-dax9.9"])
expect(2, ["help", "frobnicate"])
expect(2, ["frob\nnicate"])
expect(2, ["list", "--\udcff"])
expect(2, ["list", "-\x01"])
# help without a man page installed falls back to the built-in help
p = subprocess.run([DAXPIN, "help", "list"], capture_output=True,
                   env=dict(os.environ, MANPATH=tmp, PATH="/nonexistent:" + os.environ["PATH"]))
if p.returncode != 0 or b"usage: daxpin list" not in p.stdout:
    fail(f"help list without man page: exit {p.returncode}, {p.stdout[:80]!r}")
else:
    print("ok: help list falls back to the built-in help")
# a write error is a failure, not success
for args in (["--help"], ["list", "--help"], ["holders", "--help"], ["drain", "--help"], ["layouts", "--help"],
             ["break-layouts", "--help"], ["--version"],
             ["list", "-H"]):
    with open("/dev/full", "w") as full:
        rc = subprocess.run([DAXPIN] + args, stdout=full, stderr=subprocess.DEVNULL).returncode
    if rc != 1:
        fail(f"{args!r} >/dev/full: exit {rc}, expected 1")
    else:
        print(f"ok: {args!r} >/dev/full exits 1")

# Without the module index (/lib/modules/RELEASE absent, or hidden here in
# a mount namespace) built-in and never-loaded drivers look alike: an empty
# topology must not name a module as "not loaded".
modules = "/lib/modules/" + os.uname().release
cmd = [DAXPIN, "list"]
if os.path.isdir(modules):
    cmd = ["unshare", "-m", "sh", "-c", f'mount -t tmpfs none {modules} && exec "$0" list', DAXPIN]
p = subprocess.run(cmd, capture_output=True)
if p.returncode != 0 or b"not loaded" in p.stderr:
    fail(f"list without a module index: exit {p.returncode}: {p.stderr!r}")
else:
    print("ok: list without a module index names no module as not loaded")

# random: every command, options and values from the hostile pool
pool = ["-J", "--json", "-u", "-v", "-p", "-o", "-H", "-n", "-r", "-b", "-t", "-h",
        "--no-bpf", "--pinned", "--holders", "--mode", "--dev", "--region",
        "--namespace", "--output", "--timeout", "--", "-", "", "NAME", "NAME,",
        ",", "+", "+PID", "PID,PID", "0", "-1", "nan", "inf", "1e308", "0x10",
        "0.0001", "dax0.0", "namespace0.0", "pmem0", "/dev/dax0.0", plain, loop,
        plain + "/x", "/", "/proc", "x" * 4097, "\n", "q\nr", "\udcff\udcfe",
        "é", "%s%n", "-Jo", "-ovNAME"]
seed = int(os.environ.get("HOSTILE_SEED", time.time()))
rng = random.Random(seed)
runs = int(os.environ.get("HOSTILE_RUNS", "150"))
print(f"random runs: {runs}, HOSTILE_SEED={seed}")
for _ in range(runs):
    cmd = rng.choice([["list"], ["holders"], ["help"], []])
    args = cmd + [rng.choice(pool) if rng.random() < 0.9 else
                  "".join(chr(b if b < 128 else 0xdc00 + b) for b in (rng.randrange(1, 256) for _ in range(rng.randrange(1, 8))))
                  for _ in range(rng.randrange(0, 6))]
    # a holders run needs a target to scan something rather than fail fast
    if cmd == ["holders"] and rng.random() < 0.5:
        args.append(plain)
    # help would page a man page; only its bad-input paths are random here
    if cmd == ["help"] and len(args) > 1 and args[1] in ("list", "holders"):
        continue
    check_contract(args, run(args + ["-t", "5"] if cmd == ["holders"] else args))

sys.exit(failed)
