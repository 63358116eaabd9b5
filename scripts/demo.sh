#!/usr/bin/env bash
# The demo: the platform on its embedded setup, loaded with the national dataset and a simulated month of
# SMS pushed through the real webhook and processed by a real Celery worker (console gateway: replies are
# logged, not sent). Called by `make demo`, with the environment the Makefile sets. Ctrl-C stops it all.
set -euo pipefail

cd "$(dirname "$0")/.."
py=.venv/bin/python
run=.run
mkdir -p "$run"
port=${DEMO_PORT:-8000}
export SMS_BACKEND=console

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

$py manage.py migrate --no-input -v 0
$py manage.py load_national_dataset --if-empty
$py manage.py ensure_demo_admin --url "http://127.0.0.1:$port" > "$run/demo-login.txt"

echo "==> Starting a Celery worker (2 processes, with the scheduler) — log in .run/worker.log"
$py -m celery -A evillage worker --beat --concurrency 2 --loglevel INFO \
    --schedule "$run/celerybeat-schedule" > "$run/worker.log" 2>&1 &
pids+=($!)

echo "==> Starting the web server on http://127.0.0.1:$port — log in .run/web.log"
$py manage.py runserver "127.0.0.1:$port" --noreload > "$run/web.log" 2>&1 &
pids+=($!)
$py - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/admin/login/", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("the web server did not start: see .run/web.log")
PY

if [ "$($py manage.py shell -c 'from evillage.models import Report; print(Report.objects.exists())' 2>/dev/null)" != "True" ]; then
    echo "==> Simulating a month of SMS from the chiefs through the webhook"
    $py manage.py simulate_traffic --url "http://127.0.0.1:$port" --concurrency 4
    echo "==> Waiting for the worker to process the inbox"
    $py manage.py shell -c '
import time
from sms_gateway.models import InboxMessage, InboxStatus
total = InboxMessage.objects.count()
while True:
    waiting = InboxMessage.objects.filter(status__in=[InboxStatus.PENDING, InboxStatus.PROCESSING]).count()
    print(f"\r    {total - waiting}/{total} messages processed", end="", flush=True)
    if not waiting:
        break
    time.sleep(2)
print()'
    echo "==> Refreshing the layers"
    $py manage.py refresh_layers
fi

echo
echo "Demo ready in $SECONDS s."
cat "$run/demo-login.txt"
echo "The platform runs on http://127.0.0.1:$port (Ctrl-C to stop; 'make stop' stops the databases)."
wait "${pids[1]}"
