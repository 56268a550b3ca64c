"""gunicorn settings; every value can be overridden from the environment."""

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
    """Take what the worker keeps for its life out of the garbage collector's sight: what it
    has loaded now (Django, the apps, their modules: 130,000 objects), and what its first
    requests load and keep (templates, URL resolvers, catalogues, caches: 87,000 more), once
    they are served (`pipeline_crm.gc_freeze`, which says why, measured). A full collection
    then scans what requests create: 6 ms, against 60 ms in the middle of one request in 70."""
    from pipeline_crm.gc_freeze import freeze_as_the_worker_warms  # Django is set up now

    freeze_as_the_worker_warms()
