"""Portal latency under load (run by scripts/bench-portal).

Builds the billing stand-in on MariaDB at the chosen size (default `large`: about 50,000 customers
with five years of history) and mirrors it into a PostgreSQL store, or reuses a kept pair; gives
logins to customers with the longest histories; serves the portal with gunicorn and its
documented configuration; logs every login in; then loads each page with wrk (a C load generator
on loopback, one random customer's session per request) and prints requests per second and the
50th, 95th and 99th percentile latency of the dashboard, invoices, a meter's readings and the
consumption analysis, and of /health (one store round trip) as the floor.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import pwd
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench_sync import (
    IBOK,
    ROOT,
    billing_dsn,
    code_version,
    drop_billing,
    load,
    machine,
    mariadb,
    pg_admin,
    run_child,
    show,
    store_url,
    versions,
)
from sqlalchemy import func, select

from adapters.store.content import terms
from adapters.store.db import create_store_engine, writer
from adapters.store.logins import accounts
from adapters.store.tables import contracts, invoices, meters
from portal.auth import passwords

PASSWORD = "benchmark: woda z kranu"
PAGES = {"dashboard": "/", "invoices": "/invoices", "readings": "/meters/{meter}/readings",
         "analysis": "/analysis", "floor (/health)": "/health"}
LUA = r"""
local lines = {}
for line in io.lines(os.getenv("IBOK_BENCH_TARGETS")) do table.insert(lines, line) end
math.randomseed(os.time())
request = function()
  local line = lines[math.random(#lines)]
  local cookie, path = line:match("([^\t]*)\t(.*)")
  return wrk.format("GET", path, {["Cookie"] = cookie})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.2f p50=%.2f p95=%.2f p99=%.2f non2xx=%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, summary.errors.status))
end
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench-portal", description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="large")
    parser.add_argument("--reuse", metavar="NAME", help="a billing database and store of this name kept by --keep")
    parser.add_argument("--keep", action="store_true", help="leave the databases for --reuse")
    parser.add_argument("--customers", type=int, default=200, help="logins made (customers with most invoices)")
    parser.add_argument("--clients", type=int, default=20,
                        help="concurrent connections of the load generator (the target names at least 20)")
    parser.add_argument("--seconds", type=int, default=20, help="load per page")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: its config's)")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(name: str, size: str, work: Path, env: dict[str, str]) -> None:
    mariadb().cursor().execute(f"CREATE DATABASE {name}")
    pg_admin(f"CREATE DATABASE {name}")
    show(run_child("create", [str(IBOK), "legacy", "create", "--dsn", billing_dsn(name), "--size", size,
                              "--reader-password", secrets.token_hex(8), "--writer-password", secrets.token_hex(8)],
                   env, work))
    show(run_child("upgrade", [str(IBOK), "db", "upgrade"], env, work))
    show(run_child("sync", [str(IBOK), "sync", "run"], env, work))


def logins(url: str, count: int) -> list[tuple[str, int, int]]:
    """Logins for the customers with the most invoices: (e-mail, customer id, one of its meters)."""
    engine = create_store_engine(url)
    secret = passwords.hash_password(PASSWORD)
    with writer(engine).begin() as conn:
        if terms.current(conn) is None:
            terms.publish(conn, "bench", "Regulamin.", "Terms.")
        busiest = conn.execute(select(invoices.c.customer_id).group_by(invoices.c.customer_id)
                               .order_by(func.count().desc(), invoices.c.customer_id).limit(count)).scalars().all()
        made = []
        for customer_id in busiest:
            email = f"bench{customer_id}@example.pl"
            meter = conn.execute(select(meters.c.id).join(contracts, contracts.c.point_id == meters.c.point_id)
                                 .where(contracts.c.customer_id == customer_id).limit(1)).scalar()
            account = accounts.by_email(conn, email)
            if account is None:
                account_id = accounts.create(conn, email=email, name="Bench", password_hash=secret, locale="pl",
                                             must_change_password=False, confirmed=True)
                accounts.link(conn, account_id, customer_id, "utility")
            made.append((email, customer_id, meter))
    engine.dispose()
    return made


def session_cookie(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    opener.open(f"{base}/login", data=data).read()
    cookie = next(c for c in jar if c.name == "ibok_session")
    return f"ibok_session={cookie.value}"


def cpu_seconds(user: str | None = None, parent: int | None = None) -> float:
    """CPU seconds used so far by the processes of ``user``, or by ``parent`` and its children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    uid = pwd.getpwnam(user).pw_uid if user is not None else None
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            owner = stat.parent.stat().st_uid
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if (uid is not None and owner == uid) or (parent is not None and parent in (pid, ppid)):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    name = args.reuse or f"ibok_bench_portal_{secrets.token_hex(3)}"
    work = Path(tempfile.mkdtemp(prefix="ibok-bench-portal-"))
    env = {**os.environ, "IBOK_PATHS_DATA_DIR": str(work), "IBOK_LOG_FORMAT": "json", "IBOK_LOG_LEVEL": "WARNING",
           "IBOK_BILLING_DSN": billing_dsn(name), "IBOK_STORE_URL": store_url(name)}
    print(f"machine: {machine()}; {load()}; code {code_version()}")
    server = None
    try:
        if not args.reuse:
            prepare(name, args.size, work, env)
        billing, store = versions(name, name)
        print(f"billing {billing}, store {store}")
        made = logins(store_url(name), args.customers)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_env = {**env, "IBOK_PORTAL_SECRET_KEY": secrets.token_urlsafe(48), "IBOK_PORTAL_DEVELOPMENT": "true",
                      "IBOK_PORTAL_BIND": f"127.0.0.1:{port}"}
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "config/gunicorn.conf.py"),
                   "--access-logfile", "/dev/null", "portal.app:create_app()"]
        if args.workers:
            command[1:1] = ["--workers", str(args.workers)]
        server = subprocess.Popen(command, env=server_env, cwd=ROOT, stdout=(work / "gunicorn.log").open("w"),
                                  stderr=subprocess.STDOUT)
        wait_for(f"{base}/health")
        sessions = [(session_cookie(base, email), customer, meter) for email, customer, meter in made]
        print(f"{len(sessions)} customers logged in (the {args.customers} with the most invoices); "
              f"wrk: {args.clients} connections, {args.seconds} s per page")
        lua = work / "pages.lua"
        lua.write_text(LUA)
        print(f"  {'page':<17}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors"
              f"  {'CPU ms/request: portal':>22}{'database':>10}{'wrk':>6}")
        for label, template in PAGES.items():
            targets = work / f"{label.split()[0]}.targets"
            targets.write_text("".join(f"{cookie}\t{template.format(meter=meter)}\n" for cookie, _, meter in sessions
                                       if meter is not None or "{meter}" not in template))
            before = (cpu_seconds(parent=server.pid), cpu_seconds(user="postgres"), os.times().children_user
                      + os.times().children_system)
            done = subprocess.run(["wrk", "-t", "2", "-c", str(args.clients), "-d", f"{args.seconds}s", "-s", str(lua),
                                   base], env={**os.environ, "IBOK_BENCH_TARGETS": str(targets)},
                                  capture_output=True, text=True, check=True)
            m = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", done.stdout)[1].split())
            after = (cpu_seconds(parent=server.pid), cpu_seconds(user="postgres"), os.times().children_user
                     + os.times().children_system)
            rate = int(m["requests"]) / float(m["seconds"])
            per = [(b - a) * 1000 / max(1, int(m["requests"])) for a, b in zip(before, after, strict=False)]
            print(f"  {label:<17}{rate:>9.0f}{float(m['p50']):>9.1f}{float(m['p95']):>9.1f}{float(m['p99']):>9.1f}"
                  f"  {int(m['errors']) + int(m['non2xx']):>6}  {per[0]:>22.2f}{per[1]:>10.2f}{per[2]:>6.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if not args.keep and not args.reuse:
            drop_billing(name)
            pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"finished; logs in {work}" + (f"; kept as {name} (--reuse {name})" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
