#!/usr/bin/env python3
"""Instructions per request of the release server, next to the bare hyper floor's, counted by
valgrind's callgrind: a figure a busy machine does not disturb (wall time and CPU time drift
with neighbours; instruction counts do not). User-space instructions only: the kernel's share
of a request, the same for every vendor, is not in them, so a ratio here reads higher than
`run.py --rounds`' CPU ratio.

    python3 bench/instructions.py                  # every vendor and the floor
    python3 bench/instructions.py clowd9 qolo

Each figure runs two lives of the server under callgrind (N1 and N2 sequential keep-alive
writes on loopback, each with a fresh reference) and divides the difference, so start-up and
account setup cancel out. Every write must answer 2xx, or the run fails.
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the vendors' setups and the floor's request)

N1, N2 = 300, 1300


def life(command, vendor, n):
    """Total instructions of one server life serving `n` writes of `vendor` (None: the floor)."""
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with open(os.devnull, "w") as quiet:
        out = f"/tmp/sandbank-instructions-{os.getpid()}-{vendor}-{n}.cg"
        env = dict(os.environ, SANDBANK_LOG="warn", SANDBANK_ADMIN_TOKEN=bench.ADMIN_TOKEN)
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            + command(f"127.0.0.1:{port}"), env=env, stdout=quiet, stderr=quiet)
    try:
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
                break
            except OSError:
                time.sleep(0.1)
        method, path, headers, body = bench.VENDORS[vendor](base) if vendor else bench.BARE_SPEC
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(n):
            number = f"77{i:010d}"
            conn.request(method, path.replace("{{n}}", number),
                         body=body.replace("{{n}}", number).encode(), headers=headers)
            resp = conn.getresponse()
            text = resp.read()
            if resp.status >= 300:
                sys.exit(f"{vendor or 'floor'}: write {i} answered {resp.status}: {text[:300]!r}")
        conn.close()
    finally:
        server.terminate()
        server.wait()
    totals = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True).stdout
    os.remove(out)
    found = re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", totals)
    if not found:
        sys.exit(f"callgrind_annotate gave no totals for {vendor or 'floor'}")
    return int(found.group(1).replace(",", ""))


def per_request(command, vendor):
    return (life(command, vendor, N2) - life(command, vendor, N1)) / (N2 - N1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vendors", nargs="*", default=list(bench.VENDORS))
    parser.add_argument("--binary", help="a sandbank binary (default: build the release one)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("installing valgrind from apt…", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    if args.binary is None:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sandbank"], cwd=bench.ROOT,
                       check=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "server", "--example",
                    "bare_hyper"], cwd=bench.ROOT, check=True)
    binary = args.binary or os.path.join(bench.ROOT, "target", "release", "sandbank")
    bare = os.path.join(bench.ROOT, "target", "release", "examples", "bare_hyper")
    floor = per_request(lambda listen: [bare, listen], None)
    print(f"{'floor':12} {floor:8.0f} instructions per request")
    for vendor in args.vendors:
        if vendor not in bench.VENDORS:
            sys.exit(f"unknown vendor {vendor}; known: {', '.join(bench.VENDORS)}")
        cost = per_request(lambda listen: [binary, "serve", "--listen", listen], vendor)
        print(f"{vendor:12} {cost:8.0f} instructions per request, {cost / floor:.2f}× the floor")


if __name__ == "__main__":
    main()
