#!/usr/bin/env bash
# The benchmark: trustplan against the database ceiling, in one run.
#
#   bench/run.sh              # scales 1, 10 and 100; 10 s per measurement
#   SCALES="1 10" DURATION=5 bench/run.sh
#
# For each scale it loads the demo data scaled by bench/generate.sql into a
# database of its own, serves the release binary, and measures every
# request below with wrk (64 connections; 16 for writes), counting the SQL
# statements one request of each runs (the service's own counter). Beside
# them pgbench runs the same statements (bench/sql/, -M prepared, 16
# clients) for the reads it has a ceiling for. It prints one table per
# scale and the growth of p50 from the first scale to the last, and writes
# them with the machine to bench/RESULTS.md. Not run by CI: it takes the
# machine for about 20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${SCALES:-"1 10 100"}
DURATION=${DURATION:-10}
PORT=${PORT:-18290}
OUT=${OUT:-bench/RESULTS.md}
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres

need() { command -v "$1" >/dev/null || { echo "installing $2 from Debian's packages"; apt-get install -y -q "$2" >/dev/null; }; }
need wrk wrk
need pgbench postgresql-contrib
cargo build --locked --release --bin trustplan
BIN=target/release/trustplan

work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export JWT_SECRET="bench-secret-$(date +%s)"
export BIND_ADDR="127.0.0.1:$PORT" RUST_LOG=warn
BASE="http://$BIND_ADDR"

serve() { # serve [--demo]
    "$BIN" serve "$@" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null "$BASE/health/ready" 2>/dev/null && return
        sleep 0.5
    done
    cat "$work/server.log"; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
q() { psql -d "$DB" -Atc "$1"; }
statements() { curl -fsS "$BASE/metrics" | awk '/^trustplan_db_queries_total/ {print $2}'; }
to_ms() { # wrk's 1.23ms / 456.00us / 1.02s
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

machine() {
    echo "- when: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB; app, wrk, pgbench and PostgreSQL share them"
    echo "- PostgreSQL $(psql -d postgres -Atc 'SHOW server_version'); trustplan $(git rev-parse --short HEAD), release build"
    echo "- wrk -t2 -c64 -d${DURATION}s (writes -c16); pgbench -M prepared -c16 -j2 -T$DURATION"
}

declare -A P50
results="$work/results.md"
: >"$results"
for SCALE in $SCALES; do
    DB="trustplan_bench_$SCALE"
    export DATABASE_URL="postgres://trustplan_app@127.0.0.1:5432/$DB"
    export DATABASE_OWNER_URL="postgres://postgres@127.0.0.1:5432/$DB"
    psql -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null
    serve --demo; stop
    psql -d "$DB" -q -v scale="$SCALE" -f bench/generate.sql
    serve
    TOKEN=$("$BIN" token --sub bench --role admin --org HBC --ttl 2h)
    ORG=$(q "SELECT id FROM organisations WHERE code = 'HBC-SS'")
    ORG_PATCH=$(q "SELECT id FROM organisations WHERE code = 'PCT'")
    REC=$(q "SELECT id FROM recommendations ORDER BY code LIMIT 1")
    IND=$(q "SELECT id FROM indicators WHERE code = 'NI59'")
    MS=$(q "SELECT id FROM milestones ORDER BY code LIMIT 1")
    counts="orgs $(q 'SELECT count(*) FROM organisations'), milestones $(q 'SELECT count(*) FROM milestones'), objectives $(q 'SELECT count(*) FROM objectives'), indicators $(q 'SELECT count(*) FROM indicators'), values $(q 'SELECT count(*) FROM indicator_values')"

    # name | method | path | body | If-Match | connections | ceiling script
    cat >"$work/requests" <<REQ
GET one organisation|GET|/api/v1/organisations/$ORG|||64|get_organisation
page of 50 organisations|GET|/api/v1/organisations?limit=50|||64|page_organisations
page of 50 organisations, kind=statutory_partner|GET|/api/v1/organisations?limit=50&kind=statutory_partner|||64|
page of 50 plans|GET|/api/v1/plans?limit=50|||64|
page of 50 priorities|GET|/api/v1/priorities?limit=50|||64|
page of 50 objectives|GET|/api/v1/objectives?limit=50|||64|
page of 50 risks|GET|/api/v1/risks?limit=50|||64|
page of 50 milestones|GET|/api/v1/milestones?limit=50|||64|page_milestones
page of 50 milestones, status=on_track,at_risk|GET|/api/v1/milestones?limit=50&status=on_track,at_risk|||64|
page of 50 milestones as of 2009-09-30|GET|/api/v1/milestones?limit=50&as_of=2009-09-30|||64|
page of 50 milestone updates|GET|/api/v1/milestones/$MS/updates?limit=50|||64|
page of 50 inspections|GET|/api/v1/inspections?limit=50|||64|
page of 50 recommendations|GET|/api/v1/recommendations?limit=50|||64|
page of 50 improvement areas|GET|/api/v1/improvement-areas?limit=50|||64|
page of 50 improvement actions|GET|/api/v1/improvement-actions?limit=50|||64|
page of 50 improvement actions, overdue=true|GET|/api/v1/improvement-actions?limit=50&overdue=true|||64|
page of 50 indicators|GET|/api/v1/indicators?limit=50|||64|
page of 50 indicators, kind=national|GET|/api/v1/indicators?limit=50&kind=national|||64|
page of 50 values|GET|/api/v1/indicators/values?limit=50|||64|
page of 50 values, series=national|GET|/api/v1/indicators/values?limit=50&series=national|||64|
page of 50 audit entries|GET|/api/v1/audit?limit=50|||64|
performance, one period|GET|/api/v1/performance?period=FY2009-10-Q2|||64|
performance, one period, 4 clients|GET|/api/v1/performance?period=FY2009-10-Q2|||4|
performance of one indicator|GET|/api/v1/indicators/$IND/performance?period=FY2009-10-Q2|||64|
trace of a recommendation|GET|/api/v1/recommendations/$REC/trace|||64|
PATCH an organisation (If-Match)|PATCH|/api/v1/organisations/$ORG_PATCH|{"name": "Primary care trust {n}"}|*|16|
PUT a value|PUT|/api/v1/indicators/$IND/values/area/FY2009-10-Q1|{"value": 71.5}||16|
POST an organisation|POST|/api/v1/organisations|{"code": "B{n}", "name": "Bench", "kind": "other"}||16|
REQ

    # The token's organisation is looked up once, then cached: not a cost of
    # any request below.
    curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organisations/$ORG"
    # First, alone and with nothing else in flight: the statements one
    # request of each runs (the service's own counter) and how many items
    # its page holds (a filtered page may be fuller at 100x than at 1x).
    declare -A STMTS ITEMS
    while IFS='|' read -r name method path body if_match conns ceiling; do
        before=$(statements)
        curl -fsS -o "$work/one" -X "$method" -H "Authorization: Bearer $TOKEN" \
            ${body:+-H 'Content-Type: application/json' --data "${body//\{n\}/one$SCALE}"} \
            ${if_match:+-H "If-Match: $if_match"} "$BASE$path" || echo "warning: $name failed once" >&2
        after=$(statements)
        STMTS["$name"]=$((after - before))
        ITEMS["$name"]=$(python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    print(len(d["items"]) if isinstance(d, dict) and "items" in d else "")
except Exception:
    print("")' "$work/one")
    done <"$work/requests"

    {
        echo
        echo "### Scale ${SCALE}x ($counts)"
        echo
        echo "| request | items | rps | p50 ms | p99 ms | statements | ceiling tps | ratio | RSS MB |"
        echo "|---|---|---|---|---|---|---|---|---|"
    } >>"$results"
    while IFS='|' read -r name method path body if_match conns ceiling; do
        stmts=${STMTS["$name"]}
        # The load, with the server's RSS sampled as it runs.
        rss=0
        ( while kill -0 "$server" 2>/dev/null; do ps -o rss= -p "$server"; sleep 1; done ) >"$work/rss" &
        sampler=$!
        BENCH_METHOD=$method BENCH_BODY=$body BENCH_TOKEN=$TOKEN BENCH_IF_MATCH=$if_match \
            wrk -t2 -c"$conns" -d"${DURATION}s" --latency -s bench/request.lua "$BASE$path" >"$work/wrk" 2>&1 || true
        kill "$sampler" 2>/dev/null || true
        rss=$(sort -n "$work/rss" | tail -1)
        rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/wrk")
        p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk")")
        p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk")")
        non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk")
        [ -n "$non2xx" ] && echo "warning: $name: $non2xx answers were not 2xx" >&2
        tps=; ratio=
        if [ -n "$ceiling" ]; then
            tps=$(pgbench -d "$DB" -n -M prepared -c16 -j2 -T"$DURATION" -D org="$ORG" \
                -f "bench/sql/$ceiling.sql" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
            ratio=$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
        fi
        P50["$SCALE|$name"]=$p50
        echo "| $name | ${ITEMS["$name"]} | $rps | $p50 | $p99 | $stmts | $tps | $ratio | $((rss / 1024)) |" >>"$results"
        echo "  $SCALE x  $name: $rps rps, p50 $p50 ms, p99 $p99 ms, $stmts statements${tps:+, ceiling $tps tps ($ratio)}" >&2
        # Let what wrk left in flight finish before the next measurement.
        sleep 1
    done <"$work/requests"
    stop
done

first=${SCALES%% *}; last=${SCALES##* }
{
    echo
    echo "### p50 growth from ${first}x to ${last}x"
    echo
    echo "| request | p50 ${first}x | p50 ${last}x | growth |"
    echo "|---|---|---|---|"
    while IFS='|' read -r name _; do
        a=${P50["$first|$name"]:-}; b=${P50["$last|$name"]:-}
        [ -n "$a" ] && [ -n "$b" ] && echo "| $name | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2fx", b / a }') |"
    done <"$work/requests"
} >>"$results"

{
    echo "# Benchmark results"
    echo
    echo "Written by \`bench/run.sh\` (see its header for what it measures and how)."
    echo
    machine
    cat "$results"
} >"$OUT.new"
# Keep the hand-written analysis below the figures, if there is one.
if [ -f "$OUT" ] && grep -q '^## Analysis' "$OUT"; then
    sed -n '/^## Analysis/,$p' "$OUT" >>"$OUT.new"
fi
mv "$OUT.new" "$OUT"
cat "$OUT"
