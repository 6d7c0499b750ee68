"""gunicorn settings for the portal: `gunicorn -c config/gunicorn.conf.py 'portal.app:create_app()'`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS. The portal itself
reads its settings (store URL, secret key, ...) from IBOK_CONFIG and IBOK_* variables, as every
`ibok` command does. Sessions and attempt limits live in the store, so any number of workers and
hosts behind a load balancer serve the same customers.
"""

import multiprocessing
import os

bind = os.environ.get("IBOK_PORTAL_BIND", "127.0.0.1:8000")  # behind a TLS-terminating reverse proxy
# Two processes per core, two threads each: a page waits on the store for a third of its time, and
# fewer threads per process queue fewer requests behind one another (scripts/bench-portal compared
# 5x4, 3x4, 4x2 and 8x1 on 2 cores: 4x2 had the lowest 95th percentiles; docs/benchmarks.md).
workers = int(os.environ.get("IBOK_PORTAL_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("IBOK_PORTAL_THREADS", "2"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 20000  # recycle workers now and then (a restart costs a worker about a second of CPU)
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("IBOK_PORTAL_PROXIES", "127.0.0.1")  # trust X-Forwarded-* from these
accesslog = "-"
errorlog = "-"
