#!/usr/bin/env python3
"""Load benchmark of sandbank's stateful balance writes, one vendor at a time.

Starts the release server on loopback, opens an account per vendor through the admin API,
obtains that vendor's credentials the way a client would, then drives the vendor's balance
write with wrk (installed from apt when missing) and prints requests/s, p50/p99 latency, the
server's CPU time per request, its resident memory, and the start-up time to first answer.

    python3 bench/run.py                   # every vendor, 64 connections, 10 s each
    python3 bench/run.py clowd9 -d 5 -c 64
    python3 bench/run.py clowd9 --rounds 10 -d 2   # alternating with the bare floor: medians
    python3 bench/run.py clowd9 --durable --rounds 3 -d 4   # in memory vs --data, sync full/off
    python3 bench/run.py clowd9 --rounds 3 -d 4 --faults 100  # 100 fault rules that never match

Only loopback is ever targeted; each run is bounded by its duration.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_TOKEN = "sbk_admin_bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(base, method, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def admin(base, method, path, body=None):
    status, raw = http(base, method, path, body, {"Authorization": "Bearer " + ADMIN_TOKEN})
    if status >= 300:
        sys.exit(f"admin {method} {path} -> {status}: {raw.decode()}")
    return json.loads(raw)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


RUNS = iter(range(1, 100))


def lua_script(method, path, headers, body):
    """A wrk script sending `body` with `{{n}}` replaced by a 12-digit number unique within the
    server's life: run, wrk thread, counter. (Numbers repeated across runs would turn a later run
    into replays of an earlier one's requests.)"""
    run = next(RUNS)
    lines = [
        "local counter = 0",
        "local thread_id = 0",
        "local threads = {}",
        "function setup(thread) thread:set('tid', #threads + 1); table.insert(threads, thread) end",
        "function init(args) thread_id = tonumber(wrk.thread:get('tid')) or 0 end",
        f"wrk.method = {json.dumps(method)}",
    ]
    for name, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    lines += [
        f"local template = {json.dumps(body)}",
        "function request()",
        "  counter = counter + 1",
        f"  local n = string.format('{run:02d}%01d%09d', thread_id, counter)",
        "  local b = template:gsub('{{n}}', n)",
        f"  local p = ({json.dumps(path)}):gsub('{{{{n}}}}', n)",
        "  return wrk.format(nil, p, nil, b)",
        "end",
    ]
    return "\n".join(lines) + "\n"


# Each vendor's setup: given the base URL and the admin API, returns
# (method, path, headers, body template) for its balance write.
VENDORS = {}


def vendor(name):
    def register(fn):
        VENDORS[name] = fn
        return fn
    return register


@vendor("firstvision")
def firstvision(base):
    import base64
    account = admin(base, "POST", "/__admin/accounts",
                    {"vendor": "firstvision", "currency": "MXN", "opening_balance": "1000000.00"})
    basic = base64.b64encode(b"sandbank-firstvision-key:sandbank-firstvision-secret").decode()
    status, raw = http(base, "POST", "/token", raw=b"grant_type=client_credentials",
                       headers={"Authorization": "Basic " + basic, "apikey": "sandbank-firstvision-key",
                                "Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(raw)["access_token"]
    ids = account["vendor_ids"]
    body = json.dumps({
        "asmOrganizationNumber": 970,
        "accountNumber": ids["accountNumber"],
        "representativeId": "A",
        "transactionData": {
            "actionCode": "FUND",
            "cardNumber": ids["cardNumber"],
            "cardSequence": 1,
            "description": "CASH_IN_BENCH",
            "effectiveDate": "2021-11-20",
            "otbUpdateIndicator": 0,
            "planNumber": 1,
            "planSequence": 1,
            "referenceNumber": "{{n}}",
            "resolutionReferenceNumber": 1,
            "storeNumber": 1,
            "transactionAmount": 1.00,
        },
    })
    headers = {"Content-Type": "application/json", "apikey": "sandbank-firstvision-key",
               "X-ClientID": "00970", "Authorization": "Bearer " + token}
    return "PUT", "/account/balance", headers, body


@vendor("amlyze")
def amlyze(base):
    account = admin(base, "POST", "/__admin/accounts",
                    {"vendor": "amlyze", "currency": "EUR", "opening_balance": "0"})
    body = json.dumps({
        "communicationNumber": "COM{{n}}",
        "requester": "financial_institution",
        "balanceType": "STATEMENT_BALANCE",
        "accountExtId": account["vendor_ids"]["accountExtId"],
        "businessUnit": "sandbox",
        "balanceAt": "2023-09-05T08:07:34.605Z",
        "value": 11111111111,
        "equivalentValue": 33333,
    })
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sandbank-amlyze-token"}
    return "PUT", "/amlyze-ws-rest/account-balance", headers, body


@vendor("qolo")
def qolo(base):
    account = admin(base, "POST", "/__admin/accounts",
                    {"vendor": "qolo", "currency": "USD", "opening_balance": "1000000.00"})
    status, raw = http(base, "POST", "/api/v1/auth/login",
                       {"login_id": "sandbank-qolo-login", "api_key": "sandbank-qolo-key"})
    token = json.loads(raw)["access_token"]
    body = json.dumps({
        "account_guid": account["vendor_ids"]["account_guid"],
        "request_code": "LT-CRD_PTNR_LOAD",
        "amount": 1,
        "currency": "USD",
        "client_reference_id": "bench-{{n}}",
    })
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    return "POST", "/api/v1/accounts/AdjustBalance", headers, body


@vendor("clowd9")
def clowd9(base):
    account = admin(base, "POST", "/__admin/accounts",
                    {"vendor": "clowd9", "currency": "GBP", "opening_balance": "1000000.00"})
    status, raw = http(base, "POST", "/v1/auth", {"key": "sandbank-clowd9-key", "secret": "sandbank-clowd9-secret"})
    token = json.loads(raw)["access_token"]
    body = json.dumps({
        "account_id": account["vendor_ids"]["account_id"],
        "amount": 100,
        "direction": "Credit",
        "reference_id": "bench-{{n}}",
    })
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    return "POST", "/v1/accounts/balance", headers, body


@vendor("pcaasa")
def pcaasa(base):
    account = admin(base, "POST", "/__admin/accounts",
                    {"vendor": "pcaasa", "currency": "USD", "opening_balance": "1000000.00"})
    session = "5a4db4a4-0000-4000-8000-000000000002"  # the default tenant's standing session
    body = json.dumps({
        "sessionUuid": session,
        "accountUuid": account["vendor_ids"]["accountUuid"],
        "amount": "1.00",
        "tranCode": "CIVSCCAP",
        "externalTranUuid": "00000000-0000-4000-8000-{{n}}",
    })
    return "POST", "/?call=account-balance-adjust-v1", {"Content-Type": "application/json"}, body


def run_wrk(base, spec, connections, duration, threads):
    method, path, headers, body = spec
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(method, path, headers, body))
        script = f.name
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(script)
    return out


def parse_wrk(out):
    def latency(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": requests,
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def measure(name, pid, base, spec, args, warmup=True):
    """Drives `spec` at `base` and prints one row, charging the CPU time of process `pid`.
    Returns (requests/s, CPU µs per request)."""
    if warmup and args.warmup > 0:
        run_wrk(base, spec, args.connections, args.warmup, args.threads)
    ticks = cpu_ticks(pid)
    result = parse_wrk(run_wrk(base, spec, args.connections, args.duration, args.threads))
    cpu_us = (cpu_ticks(pid) - ticks) / CLK_TCK * 1e6 / max(result["requests"], 1)
    print(f"{name:<12} {result['rps']:>9.0f} {result['p50_ms']:>7.2f} {result['p99_ms']:>7.2f} "
          f"{cpu_us:>10.1f} {rss_mib(pid):>8.1f} {result['non2xx']:>8} {result['socket_errors']}",
          flush=True)
    return result["rps"], cpu_us


BARE_SPEC = ("POST", "/v1/accounts/balance",
             {"Content-Type": "application/json", "Authorization": "Bearer " + "x" * 300},
             json.dumps({"account_id": "0" * 36, "amount": 100, "direction": "Credit",
                         "reference_id": "bench-{{n}}"}))


def start_bare():
    """Starts the bare hyper + serde_json server of crates/server/examples/bare_hyper.rs."""
    port = free_port()
    binary = os.path.join(ROOT, "target", "release", "examples", "bare_hyper")
    bare = subprocess.Popen([binary, f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    for _ in range(1000):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.005)
    return bare, f"http://127.0.0.1:{port}"


def alternate(args, pid, base, names):
    """`--rounds N`: bare floor and each vendor in turn, N times, then each vendor's median CPU
    per request over the floor's of its round. The VM's speed drifts within minutes; rounds
    side by side cancel most of the drift that separate runs fold into their figures."""
    bare, bare_base = start_bare()
    try:
        specs = {name: VENDORS[name](base) for name in names}
        run_wrk(bare_base, BARE_SPEC, args.connections, max(args.warmup, 1), args.threads)
        for spec in specs.values():
            run_wrk(base, spec, args.connections, max(args.warmup, 1), args.threads)
        ratios = {name: [] for name in names}
        costs = {name: [] for name in names}
        for n in range(args.rounds):
            print(f"-- round {n + 1}/{args.rounds}", flush=True)
            _, floor = measure("bare hyper", bare.pid, bare_base, BARE_SPEC, args, warmup=False)
            for name, spec in specs.items():
                _, cost = measure(name, pid, base, spec, args, warmup=False)
                ratios[name].append(cost / max(floor, 1e-9))
                costs[name].append(cost)
        for name in names:
            print(f"{name:<12} median {statistics.median(costs[name]):.1f} µs/req, "
                  f"{statistics.median(ratios[name]):.2f}× the floor beside it "
                  f"(range {min(ratios[name]):.2f}–{max(ratios[name]):.2f})")
    finally:
        bare.terminate()
        bare.wait(timeout=15)


def fsync_latency(directory, count=200):
    """Median and p99 of one 4 KiB write + fdatasync in `directory`: what a durable commit
    waits for at least, on this machine's disk."""
    path = os.path.join(directory, "fsync-probe")
    times = []
    with open(path, "wb") as f:
        for _ in range(count):
            started = time.perf_counter()
            f.write(b"x" * 4096)
            f.flush()
            os.fdatasync(f.fileno())
            times.append((time.perf_counter() - started) * 1000)
    os.unlink(path)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def start_server(binary, extra):
    """A sandbank server with `extra` arguments; returns (process, base URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SANDBANK_LOG="warn", SANDBANK_ADMIN_TOKEN=ADMIN_TOKEN)
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}"] + extra, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    while True:
        try:
            if http(base, "GET", "/__admin/health")[0] == 200:
                return server, base
        except OSError:
            pass
        if time.perf_counter() - started > 30:
            server.kill()
            sys.exit(f"server {extra} did not answer within 30 s")
        time.sleep(0.005)


def durable(args, binary, names):
    """`--durable`: the bare floor, then each vendor's write on three servers side by side — in
    memory, `--data` with every commit fsynced, `--data --sync off` — alternating for
    `--rounds` rounds; medians per mode, with the disk's own fsync latency."""
    with tempfile.TemporaryDirectory(prefix="sandbank-bench-", dir=args.data_dir) as tmp:
        fsync_p50, fsync_p99 = fsync_latency(tmp)
        print(f"fsync (4 KiB write + fdatasync) in {tmp}: median {fsync_p50:.2f} ms, p99 {fsync_p99:.2f} ms")
        modes = {
            "memory": [],
            "sync full": ["--data", os.path.join(tmp, "full")],
            "sync off": ["--data", os.path.join(tmp, "off"), "--sync", "off"],
        }
        servers = {mode: start_server(binary, extra) for mode, extra in modes.items()}
        bare, bare_base = start_bare()
        try:
            specs = {(mode, name): (servers[mode], VENDORS[name](servers[mode][1]))
                     for mode in modes for name in names}
            run_wrk(bare_base, BARE_SPEC, args.connections, max(args.warmup, 1), args.threads)
            for (server, base), spec in specs.values():
                run_wrk(base, spec, args.connections, max(args.warmup, 1), args.threads)
            results = {key: [] for key in specs}
            floors = []
            for n in range(max(args.rounds, 1)):
                print(f"-- round {n + 1}/{max(args.rounds, 1)}", flush=True)
                floors.append(measure("bare hyper", bare.pid, bare_base, BARE_SPEC, args, warmup=False)[1])
                for (mode, name), ((server, base), spec) in specs.items():
                    ticks = cpu_ticks(server.pid)
                    result = parse_wrk(run_wrk(base, spec, args.connections, args.duration, args.threads))
                    cpu_us = (cpu_ticks(server.pid) - ticks) / CLK_TCK * 1e6 / max(result["requests"], 1)
                    print(f"{name + ' ' + mode:<22} {result['rps']:>9.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
                          f"p99 {result['p99_ms']:.2f} ms  {cpu_us:.1f} µs CPU/req  non-2xx {result['non2xx']}",
                          flush=True)
                    results[(mode, name)].append((result["rps"], result["p99_ms"], cpu_us))
            floor = statistics.median(floors)
            print(f"floor: median {floor:.1f} µs CPU/req")
            for name in names:
                memory = results[("memory", name)]
                mem_rps = statistics.median(r[0] for r in memory)
                mem_cpu = statistics.median(r[2] for r in memory)
                for mode in modes:
                    rows = results[(mode, name)]
                    rps = statistics.median(r[0] for r in rows)
                    p99 = statistics.median(r[1] for r in rows)
                    cpu = statistics.median(r[2] for r in rows)
                    print(f"{name:<8} {mode:<10} median {rps:>8.0f} req/s ({rps / mem_rps:.0%} of memory), "
                          f"p99 {p99:.2f} ms, {cpu:.1f} µs CPU/req ({cpu / mem_cpu:.2f}× memory, "
                          f"{cpu / floor:.2f}× the floor)")
                for mode in ("sync full", "sync off"):
                    store = modes[mode][1]
                    # The event log and the checkpoints, each with its write-ahead log.
                    files = [os.path.join(store, name + suffix)
                             for name in ("sandbank.db", "checkpoints.db") for suffix in ("", "-wal")]
                    size = sum(os.path.getsize(f) for f in files if os.path.exists(f))
                    print(f"store ({mode}): {size / 1e6:.1f} MB on disk (events and checkpoints)")
        finally:
            bare.terminate()
            bare.wait(timeout=15)
            for server, _ in servers.values():
                server.terminate()
                server.wait(timeout=30)


def make_idle_faults(base, n):
    """N fault rules of the default tenant that no bench request matches: each looks at a
    header, a value in the body or the path, so every request is checked against all of them."""
    for i in range(n):
        match = [
            {"header": {"name": "x-bench-case", "value": str(i)}},
            {"body": {"pointer": "/bench/never", "equals": i}},
            {"path": f"/never/{i}/*"},
        ][i % 3]
        admin(base, "POST", "/__admin/faults", {"name": f"idle-{i}", "match": match, "error": "internal"})
    print(f"{n} fault rules that match no request")


def baseline(args):
    """The bare hyper + serde_json server, measured once before the vendors."""
    bare, bare_base = start_bare()
    try:
        measure("bare hyper", bare.pid, bare_base, BARE_SPEC, args)
    finally:
        bare.terminate()
        bare.wait(timeout=15)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vendors", nargs="*", help="vendors to drive (default: all)")
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--duration", type=int, default=10, help="seconds per vendor")
    parser.add_argument("-t", "--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--binary", help="a sandbank binary to measure instead of building one")
    parser.add_argument("-w", "--warmup", type=int, default=2,
                        help="seconds of unmeasured load per vendor first (connections, lazily "
                             "built tables and first-touch page faults)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="alternate the bare floor and each vendor this many times (-d "
                             "seconds each) and print each vendor's median cost over the floor")
    parser.add_argument("--durable", action="store_true",
                        help="measure each vendor in memory and with --data (sync full and off) "
                             "side by side, beside the floor and the disk's fsync latency")
    parser.add_argument("--data-dir", default=None,
                        help="where --durable keeps its stores (default: the system temp dir)")
    parser.add_argument("--faults", type=int, default=0, metavar="N",
                        help="first make N fault rules that match none of the bench's requests "
                             "(on a header, a body value or a path), to measure what rules cost")
    parser.add_argument("--baseline", action="store_true",
                        help="first measure a bare hyper + serde_json server (no state) with the "
                             "Clowd9 body, to calibrate this machine at this moment")
    args = parser.parse_args()
    if not 1 <= args.threads <= 9:
        sys.exit("--threads must be 1 to 9 (one digit of each request's unique number)")

    if shutil.which("wrk") is None:
        print("installing wrk from apt…", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if not args.no_build and not args.binary:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "sandbank"], cwd=ROOT, check=True)
    if args.baseline or args.rounds or args.durable:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "server", "--example", "bare_hyper"],
                       cwd=ROOT, check=True)
    binary = args.binary or os.path.join(ROOT, "target", "release", "sandbank")
    if args.durable:
        durable(args, binary, args.vendors or ["clowd9"])
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SANDBANK_LOG="warn", SANDBANK_ADMIN_TOKEN=ADMIN_TOKEN)
    started = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if http(base, "GET", "/__admin/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - started > 10:
                sys.exit("server did not answer within 10 s")
            time.sleep(0.001)
        startup_ms = (time.perf_counter() - started) * 1000
        print(f"start-up to first answer: {startup_ms:.1f} ms (process spawn included)")
        if args.faults:
            make_idle_faults(base, args.faults)
        print(f"{'vendor':<12} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs/req':>10} {'RSS MiB':>8} {'non-2xx':>8}")
        if args.rounds:
            alternate(args, server.pid, base, args.vendors or list(VENDORS))
            return
        if args.baseline:
            baseline(args)
        for name in args.vendors or list(VENDORS):
            measure(name, server.pid, base, VENDORS[name](base), args)
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
