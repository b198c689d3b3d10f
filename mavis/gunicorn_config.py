"""Gunicorn settings for production: `gunicorn -c python:mavis.gunicorn_config mavis.wsgi`.

Each value can be overridden from the environment (GUNICORN_*), and flags on the command
line still win over this file. The service sits behind the TLS-terminating load balancer.
As in the settings, an empty value counts as unset.
"""

import os

bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
# Pages are CPU-bound (templates, ORM), so processes, not threads: 2 per core plus one.
# Sync workers take a connection only when idle and close it after the response, so
# requests spread evenly. Measured with bench/bench_load.py on 2 cores: threaded workers
# with keep-alive pinned connections unevenly (one process at 100% of a core while another
# idled; p95 575-770 ms), and a 2 s keep-alive reset one connection in ~2,000.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "sync"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT_SECONDS") or "60")
graceful_timeout = 30
# No access log: the parents' form URLs carry their consent token. Errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()
