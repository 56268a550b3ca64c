"""gunicorn settings; every value can be overridden from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# Threaded workers answer the arbiter's heartbeat from their main thread, so `timeout` never
# stops a request thread that is stuck: the database's statement timeout does (settings:
# DATABASE_STATEMENT_TIMEOUT, set on web connections by wsgi.py). It must end a slow
# statement before gunicorn would have given up on the request.
statement_timeout = int(os.environ.get("DJANGO_STATEMENT_TIMEOUT", 30))
if threads > 1 and not 0 < statement_timeout < timeout:
    raise RuntimeError(
        f"DJANGO_STATEMENT_TIMEOUT ({statement_timeout} s) must be above 0 and below "
        f"GUNICORN_TIMEOUT ({timeout} s) with threaded workers"
    )
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Take what the worker has loaded (Django, the apps, their modules) out of the garbage
    collector's sight: a full collection then scans what requests create, not 130,000
    long-lived objects (2-4 ms a request, in bursts that made the slowest requests)."""
    gc.freeze()
