#!/usr/bin/env bash
# The load benchmark (README, "Load"): 20,000 deals on PostgreSQL, gunicorn started as `make run`
# starts it (gunicorn.conf.py), and Locust's 30 users on loopback for three minutes. Prints p50
# and p95 per page and the errors. Not part of `make test`.
#
#   LOAD_DATABASE_URL  the database to seed and serve   postgres://postgres@127.0.0.1:5432/pipeline_crm_load
#   LOAD_DEALS         deals wanted (seed_demo adds what is missing)    20000
#   LOAD_USERS         simultaneous users                                30
#   LOAD_DURATION      how long the users work                           3m
#   LOAD_PORT          gunicorn's port on 127.0.0.1                      8765
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pipeline_crm_load}"
export DJANGO_HTTPS=0 DJANGO_DEBUG=0 PYTHONPATH=.
DEALS="${LOAD_DEALS:-20000}"
USERS="${LOAD_USERS:-30}"
DURATION="${LOAD_DURATION:-3m}"
PORT="${LOAD_PORT:-8765}"

"$BIN/python" - <<'PY'
import os
import dj_database_url
import psycopg

config = dj_database_url.parse(os.environ["DATABASE_URL"])
admin = dict(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"],
             password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)
with psycopg.connect(**admin) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [config["NAME"]]).fetchone():
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
PY
"$BIN/python" manage.py migrate --no-input --verbosity 0
"$BIN/python" manage.py seed_demo --deals "$DEALS" --activities "$DEALS" >&2
"$BIN/python" manage.py collectstatic --no-input --verbosity 0
test -f .secret_key || "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > .secret_key

GUNICORN_BIND="127.0.0.1:$PORT" DJANGO_SECRET_KEY="$(cat .secret_key)" \
  "$BIN/gunicorn" -c gunicorn.conf.py pipeline_crm.wsgi > bench/gunicorn-load.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/login/')" \
    2>/dev/null && break
  sleep 1
done

# CPU seconds spent by gunicorn (master and workers) and by the database's backends: what the
# run cost the server, whatever else the machine was doing at the time.
cpu_seconds() {
  "$BIN/python" - "$server" "$(basename "${DATABASE_URL%%\?*}")" <<'PY'
import os, sys
server, database = sys.argv[1], sys.argv[2]
tick = os.sysconf("SC_CLK_TCK")
def seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick
gunicorn = postgres = 0.0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmdline = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    parent = stat.rsplit(")", 1)[1].split()[1]
    if pid == server or (parent == server and "gunicorn" in cmdline):
        gunicorn += seconds(pid)
    elif cmdline.startswith("postgres: ") and f" {database} " in cmdline:
        postgres += seconds(pid)
print(f"{gunicorn:.1f} {postgres:.1f}")
PY
}

echo "== Locust: $USERS users, $DURATION, $(nproc) cores, load before: $(cut -d" " -f1-3 /proc/loadavg) =="
before=$(cpu_seconds)
status=0
"$BIN/locust" -f bench/locustfile.py --headless --only-summary \
  --users "$USERS" --spawn-rate 1 --run-time "$DURATION" --stop-timeout 10 \
  --host "http://127.0.0.1:$PORT" || status=$?  # 1 when a request failed: the table says which
after=$(cpu_seconds)
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg) =="
read -r g0 p0 <<<"$before"
read -r g1 p1 <<<"$after"
requests=$(grep -c '" [0-9][0-9][0-9] ' bench/gunicorn-load.log || true)
"$BIN/python" -c "g=$g1-$g0; p=$p1-$p0; n=max($requests, 1); print(f'== server CPU: gunicorn {g:.1f} s, PostgreSQL {p:.1f} s for {n} requests: {1000*(g+p)/n:.0f} ms a request ==')"
exit "$status"
