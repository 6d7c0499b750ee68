"""gunicorn settings for the portal: `gunicorn -c config/gunicorn.conf.py 'portal.app:create_app()'`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS. The portal itself
reads its settings (store URL, secret key, ...) from IBOK_CONFIG and IBOK_* variables, as every
`ibok` command does. Sessions and attempt limits live in the store, so any number of workers and
hosts behind a load balancer serve the same customers.
"""

import logging
import multiprocessing
import os

bind = os.environ.get("IBOK_PORTAL_BIND", "127.0.0.1:8000")  # behind a TLS-terminating reverse proxy
# Sync workers, two processes per core, behind a buffering reverse proxy (nginx or the like, which
# also terminates TLS and holds slow clients): a sync worker takes a connection only when it is idle,
# so every request waits in the one kernel queue, first come first served, and none waits behind a
# busy worker while another is free. gthread workers take connections greedily and keep them alive:
# 4x2 gthread on 2 cores gave 95th percentiles 2.3-2.8 times the mean latency (a worker with 8 of
# the 20 connections serves each a third as often as one with 3), sync workers 1.2-1.3 times; 3, 4,
# 5 and 6 sync workers were compared, and 4 had the lowest tail (docs/benchmarks.md, stop 13).
workers = int(os.environ.get("IBOK_PORTAL_WORKERS", multiprocessing.cpu_count() * 2))
# More than one thread turns the workers into gthread ones (gunicorn's rule): for browsers served
# with no buffering proxy in front (the demo), where an idle or speculative connection would hold a
# sync worker until `timeout`; at the price of the tail above.
threads = int(os.environ.get("IBOK_PORTAL_THREADS", "1"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5  # used by gthread workers only (threads > 1); sync workers close after each response
max_requests = 20000  # recycle workers now and then (a restart costs a worker about a second of CPU)
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("IBOK_PORTAL_PROXIES", "127.0.0.1")  # trust X-Forwarded-* from these
accesslog = "-"
# gunicorn's default line with the request's id (the X-Request-ID the portal answers with, portal/errors.py)
# at its end: the same id is in the request's log lines and on the error page a customer quotes.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
errorlog = "-"


def on_starting(server: object) -> None:
    """gunicorn's hook, run once in the master before any worker: its own access and error lines (a
    request line, a Referer, "Error handling request /path") redacted as the portal's are, so that an
    e-mailed link's token never reaches a log (config/logs.py)."""
    from config.logs import RedactingFilter

    for name in ("gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(RedactingFilter())
