#!/usr/bin/env bash
# The faults the test suite cannot provoke, run against the real binary:
#
#  1. PostgreSQL restarted under load: during the restart every answer is a
#     success or a 503 with Retry-After (never a 500); afterwards every
#     request succeeds, without restarting the service.
#  2. A flood of bad client secrets on POST /auth/token: GET /api/v1/plans
#     keeps its latency, with the rate limit on, and with it off (the
#     bounded hashing pool alone).
#
# Needs root (it restarts the machine's PostgreSQL cluster) and prints the
# figures the README quotes. Not run by CI: it restarts the server CI uses.
#
#   scripts/fault-restart.sh            # debug build
#   BIN=target/release/trustplan scripts/fault-restart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/debug/trustplan}
[ -x "$BIN" ] || cargo build --locked --bin trustplan
PORT=${PORT:-18190}
DB=trustplan_fault
export DATABASE_URL="postgres://trustplan_app@127.0.0.1:5432/$DB"
export DATABASE_OWNER_URL="postgres://postgres@127.0.0.1:5432/$DB"
export BIND_ADDR="127.0.0.1:$PORT"
export JWT_SECRET="fault-secret-$(date +%s%N)"
export RUST_LOG=warn
BASE="http://$BIND_ADDR"
VERSION=$(ls /etc/postgresql | sort -V | tail -n 1)
work=$(mktemp -d)
server=

start() {
    env "$@" "$BIN" serve --demo >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "$BASE/health/ready" 2>/dev/null && return
        sleep 0.5
    done
    cat "$work/server.log"
    exit 1
}
stop() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    server=
}
cleanup() {
    stop
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
start
TOKEN=$("$BIN" token --sub fault --role admin --org HBC --ttl 1h)

echo "== 1. PostgreSQL restarted under load (16 clients, 25 s; restart at 5 s)"
scripts/load.py "$BASE" "$TOKEN" 25 16 \
    "GET:/api/v1/milestones?limit=20" \
    'POST:/api/v1/organisations:{"code": "F{n}", "name": "Fault load", "kind": "other"}' \
    >"$work/restart.json" &
load=$!
sleep 5
restart_at=$(date +%s.%N)
pg_ctlcluster --skip-systemctl-redirect "$VERSION" main restart
restarted_at=$(date +%s.%N)
wait "$load"
python3 - "$work/restart.json" "$restart_at" "$restarted_at" <<'PY'
import json, sys, collections
data = json.load(open(sys.argv[1]))
rows = data["rows"]
began = float(sys.argv[2]) - data["start"]
ended = float(sys.argv[3]) - data["start"]
def window(r):
    if r[0] + r[1] < began: return "before"
    if r[0] < ended + 2.0: return "during (restart + 2 s)"
    return "after"
counts = collections.defaultdict(collections.Counter)
for r in rows:
    status, retry_after = r[2], r[3]
    label = str(status) if status != 503 else ("503 with Retry-After" if retry_after else "503 WITHOUT Retry-After")
    counts[window(r)][label] += 1
print(f"the restart took {ended - began:.1f} s; {len(rows)} requests")
for w in ["before", "during (restart + 2 s)", "after"]:
    print(f"  {w:24} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts[w].items())))
bad = [r for r in rows if r[2] == 500 or (r[2] == 503 and not r[3])]
after_errors = [r for r in rows if window(r) == "after" and r[2] not in (200, 201)]
print(f"  500s: {sum(1 for r in rows if r[2] == 500)}; 503s without Retry-After: {sum(1 for r in rows if r[2] == 503 and not r[3])}; errors after: {len(after_errors)}")
sys.exit(1 if bad or after_errors else 0)
PY
restart_ok=$?

median() {
    python3 -c 'import json,sys,statistics; r=[x for x in json.load(open(sys.argv[1]))["rows"] if x[2]==200]; print(f"{statistics.median(x[1] for x in r)*1000:.1f} ms median over {len(r)} reads")' "$1"
}
flood() {
    scripts/load.py "$BASE" "$TOKEN" 10 32 'POST:/api/v1/auth/token:{"client_id": "sa_guess{n}", "client_secret": "wrong"}' >"$work/flood.json" &
    local f=$!
    sleep 1
    scripts/load.py "$BASE" "$TOKEN" 5 4 "GET:/api/v1/plans" >"$work/reads.json"
    wait "$f"
    python3 -c 'import json,sys,collections; print("   token requests:", dict(collections.Counter(str(x[2]) for x in json.load(open(sys.argv[1]))["rows"])))' "$work/flood.json"
}

echo "== 2. A flood of bad client secrets (32 concurrent) beside reads of /api/v1/plans (4 clients)"
scripts/load.py "$BASE" "$TOKEN" 5 4 "GET:/api/v1/plans" >"$work/alone.json"
echo "   alone:                       $(median "$work/alone.json")"
flood
echo "   with the flood, rate limited: $(median "$work/reads.json")"
stop
start AUTH_RATE_PER_ADDRESS=1000000 AUTH_RATE_PER_CLIENT=1000000
flood
echo "   with the flood, no rate limit (hashing pool only): $(median "$work/reads.json")"
exit "$restart_ok"
