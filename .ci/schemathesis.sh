#!/usr/bin/env bash
# Property-based tests of the served API against its own OpenAPI document (issue 8).
#
# Runs Schemathesis (pinned below, installed into a venv) against a running trustplan that
# serves the demo data: every check, every phase (examples, coverage, fuzzing, stateful),
# 25 examples per operation. Settings, and the reason for each one that is not a default, are in
# .ci/schemathesis.toml; the hooks written below adapt generation to the contract where the
# schema cannot. Exits non-zero on any failure.
#
# Checks not run, and why (details in the toml):
#   use_after_free                      DELETE archives by contract; the record stays readable.
#   positive_data_acceptance, only on   its body is CSV, whose grammar no schema can state;
#     POST /api/v1/indicators/values/import   tests/ cover the import.
# Refusals accepted as the contract rather than reported (hooks below): a well-formed UUID
# naming no record (problem type unknown_reference) and a rule across fields or over time
# (rule_violated); both only for positive_data_acceptance.
#
# Environment:
#   BASE_URL               origin of the running server, e.g. http://127.0.0.1:8092 (required)
#   TRUSTPLAN_ADMIN_TOKEN  an admin JWT for that server (required)
#   ST_CACHE               where the venv lives, default .ci/.cache (git-ignored)
#   ST_SEED                the seed, default a fixed one so that CI is reproducible; set
#                          ST_SEED=random for a fresh one (it is printed, so a failure can be
#                          rerun with it)
#   ST_REPORT_DIR          reports (JUnit XML, NDJSON events), default $ST_CACHE/report
#   ST_SCHEMA              the schema to test with, default $BASE_URL/api/v1/openapi.json (what the
#                          server serves); a file path works too
#   ST_ARGS                extra arguments for `schemathesis run`, e.g.
#                          "--include-path-regex ^/api/v1/plans" while debugging
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

here=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL to the origin of the running server, e.g. http://127.0.0.1:8092}"
: "${TRUSTPLAN_ADMIN_TOKEN:?set TRUSTPLAN_ADMIN_TOKEN to an admin token for that server}"
export TRUSTPLAN_ADMIN_TOKEN
BASE_URL=${BASE_URL%/}
cache=${ST_CACHE:-$here/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
report_dir=${ST_REPORT_DIR:-$cache/report}

venv=$cache/venv-schemathesis-$SCHEMATHESIS_VERSION
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "version $SCHEMATHESIS_VERSION"; then
    echo "Installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# A fixed seed: the same inputs every run, so a red CI means the code changed, not the dice,
# and it reproduces locally. (The stateful phase still meets fresh server-made ids, so runs are
# close to, not exactly, identical.) Run now and then with ST_SEED=random to explore further.
seed=${ST_SEED:-20260815}
if [ "$seed" = random ]; then
    seed=$(( (RANDOM << 15 | RANDOM) ))
fi

for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "$BASE_URL/health/ready" && break
    sleep 1
done
schema=${ST_SCHEMA:-$BASE_URL/api/v1/openapi.json}
case $schema in
    http://* | https://*)
        curl -fsS -o /dev/null "$schema" || { echo "no OpenAPI document at $schema" >&2; exit 1; } ;;
    *)
        [ -f "$schema" ] || { echo "no OpenAPI document at $schema" >&2; exit 1; }
        schema=$(cd "$(dirname "$schema")" && pwd)/$(basename "$schema") ;;
esac

# Hooks. Each one exists because the schema cannot say something the contract says; each
# leaves negative (schema-violating) cases alone, so refusals are still tested.
hooks=$cache/schemathesis_hooks.py
cat >"$hooks" <<'PY'
import re
import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


def _parse_lambda_sources_now():
    # CPython 3.11.7 can fail to parse a module's source when Hypothesis does it deep in a
    # recursive draw ("AST constructor recursion depth mismatch", see the end of this script).
    # Hypothesis parses a module once, to describe a lambda of it, and caches the result; parsing
    # the modules whose lambdas it describes here, at the top of the stack, fills that cache
    # first, so the deep parse never happens.
    import ast
    import inspect
    import sys

    import schemathesis.generation.jsonschema.strategy  # noqa: F401 (the draws' lambdas)
    from hypothesis.internal import lambda_sources

    # Hypothesis keeps the parsed sources in an LRU cache of 100, fewer than the modules filled in
    # here, so the first ones filled (the draws' own) were evicted before the run and parsed deep
    # after all. A plain dict keeps them all for the run.
    lambda_sources.AST_LAMBDAS_CACHE = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(("schemathesis.", "hypothesis.")):
            continue
        try:
            lines = tuple(inspect.findsource(module)[0])
        except (OSError, TypeError):
            continue
        if "lambda" not in "".join(lines) or lines in lambda_sources.AST_LAMBDAS_CACHE:
            continue
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            continue
        lambda_sources.AST_LAMBDAS_CACHE[lines] = lambda_sources.extract_all_lambdas(tree)


_parse_lambda_sources_now()

# What the server takes as an Idempotency-Key (1 to 200 visible ASCII characters).
WELL_FORMED_KEY = re.compile(r"[!-~]{1,200}")


def _positive_at(case, location):
    meta = case.meta
    return meta is None or not meta.is_negative_at(location)


def _no_empty_value(param):
    schema = (param.definition or {}).get("schema") or {}
    return schema.get("type") == "array" or schema.get("minLength", 0) >= 1 or any(
        key in schema for key in ("format", "pattern", "enum")
    )


def _if_match_required(case):
    return any(p.name.lower() == "if-match" and p.is_required for p in case.operation.headers)


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if headers and _positive_at(case, ParameterLocation.HEADER):
        # ETags are issued by the server, and Schemathesis cannot carry one from a read to the
        # next write, so every generated `If-Match` is stale (412) and no write would run.
        # Where If-Match is required (PATCH, DELETE) send `*`, the contract's "any existing
        # record"; where it is optional (upserts, restore, progress updates) send none, since
        # `*` would also mean "only if it exists already" (RFC 9110 13.1.1). The writes then
        # run and their bodies are tested; stale (412), missing (428) and weak tags are
        # covered by tests/.
        # An empty value breaks the header's minLength: a negative case even where the
        # metadata does not say so; it is sent as generated and must be refused.
        if headers.get("If-Match"):
            if _if_match_required(case):
                headers["If-Match"] = "*"
            else:
                del headers["If-Match"]
        # Generated keys come from a small space, so unrelated requests would share one, which
        # the contract answers with 422 (same key, other body). A fresh key per request, as a
        # client does; replay and conflict are covered by tests/. A malformed generated key is
        # kept, so a schema that allows what the server refuses still shows.
        key = headers.get("Idempotency-Key")
        if isinstance(key, str) and WELL_FORMED_KEY.fullmatch(key):
            headers["Idempotency-Key"] = f"st-{uuid.uuid4()}"
    query = case.query
    if query and _positive_at(case, ParameterLocation.QUERY):
        # A cursor is opaque: any string fits the schema, only server-issued ones are accepted
        # (400 otherwise). Positive cases read the first page; negative ones still send junk.
        query.pop("cursor", None)
        # Schemathesis reuses values seen in responses; a field that was null there (an
        # organisation without parent_id) comes back as an empty filter, `parent_id=`, or as the
        # text "None", where the parameter's schema allows neither (a Schemathesis artifact, not
        # a request a client makes): such a value is left out.
        params = {p.name: p for p in case.operation.query}
        for name, value in list(query.items()):
            if value in (None, "None", "", []) and name in params and _no_empty_value(params[name]):
                del query[name]


# Problem types for refusals a JSON Schema cannot foresee. A schema-valid request refused with
# one of these is the contract working, not a schema mismatch.
ACCEPTED_REFUSALS = {
    # A well-formed UUID that names no record (plan_id, parent_id, ...): 422.
    "urn:trustplan:problem:unknown_reference",
    # A rule across fields or over time (ends_on before starts_on, residual risk above initial,
    # a period that has not started, ...): 422/400.
    "urn:trustplan:problem:rule_violated",
}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if "positive_data_acceptance" in getattr(failure, "checks", ()):
        try:
            problem = response.json()
        except Exception:
            problem = None
        if isinstance(problem, dict) and problem.get("type") in ACCEPTED_REFUSALS:
            return False
        # A path parameter filled from a field that was null in an earlier response is sent as
        # the text "None" (a Schemathesis artifact, not a request a client makes).
        if any(v is None or v == "None" for v in (case.path_parameters or {}).values()):
            return False
    return True
PY

rm -rf "$report_dir"
mkdir -p "$report_dir"
echo "schemathesis $SCHEMATHESIS_VERSION: $schema against $BASE_URL, seed $seed (rerun with ST_SEED=$seed)"
# Every check runs: that is Schemathesis' default, and the checks switched off or tuned in the
# toml (use_after_free: DELETE archives; positive_data_acceptance on the CSV import) say why
# there. Do not add `--checks all` here: on the command line it overrides those settings.
# Run from the cache directory: Schemathesis may write working files into the current
# directory, and they must not land in the work tree.
cd "$cache"
start=$(date +%s)
run() {
    # shellcheck disable=SC2086 # ST_ARGS is split on purpose
    SCHEMATHESIS_HOOKS=$hooks "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" --no-color run \
        "$schema" \
        --url "$BASE_URL" \
        --phases examples,coverage,fuzzing,stateful \
        --seed "$seed" \
        --continue-on-failure \
        --report junit,ndjson --report-dir "$report_dir" \
        ${ST_ARGS:-}
}
out=$cache/run.log
status=0
run 2>&1 | tee "$out" || status=${PIPESTATUS[0]}
# CPython 3.11.7 (the machine's Python) can fail inside Hypothesis while it describes a
# lambda ("AST constructor recursion depth mismatch", a CPython bug fixed in later releases),
# depending on how deep the stack is at that moment: a runtime error of the tool, not a finding
# about the API. The hooks parse those sources up front to avoid it; should it still happen,
# and be the only error with no check failed, the run is made again (twice at most).
for again in 1 2; do
    if [ "$status" != 0 ] && grep -q "AST constructor recursion depth mismatch" "$out" \
        && ! grep -q "^=* FAILURES =*$" "$out"; then
        echo "schemathesis hit CPython's AST recursion bug (no check failed): running it again ($again of 2)"
        status=0
        run 2>&1 | tee "$out" || status=${PIPESTATUS[0]}
    fi
done
echo "schemathesis took $(( $(date +%s) - start )) s; reports in $report_dir"
exit "$status"
