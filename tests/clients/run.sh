#!/usr/bin/env bash
# Two integrators' tools against a served trustplan (issue 8):
#   typescript: openapi-typescript generates types from openapi/openapi.json, `tsc --strict`
#               compiles typescript/src/scenario.ts (openapi-fetch as the runtime), node runs it;
#   python:     openapi-python-client generates a client from openapi/openapi.json (any
#               warning fails), it is installed into a venv, `mypy --strict` checks
#               python/scenario.py against it and python runs it.
# Each scenario talks to the server at BASE_URL, which must serve the demo data.
#
# Usage: BASE_URL=http://127.0.0.1:8091 TRUSTPLAN_ADMIN_TOKEN=<admin JWT> tests/clients/run.sh [typescript|python]...
#   CLIENTS_CACHE  where node_modules and the venv are kept between runs (default tests/clients/.cache)
#   OPENAPI_SPEC   the document to generate from (default openapi/openapi.json)
#   PYTHON         the interpreter for the venv (default: the first python3.1x >= 3.11 found)
# Packages come from the npm registry (npm ci, typescript/package-lock.json) and PyPI
# (python/requirements.txt, every version pinned). Prints one PASS/FAIL line per client.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

: "${BASE_URL:?set BASE_URL to the served app, e.g. http://127.0.0.1:8091}"
: "${TRUSTPLAN_ADMIN_TOKEN:?set TRUSTPLAN_ADMIN_TOKEN to an admin JWT for that server}"
export BASE_URL TRUSTPLAN_ADMIN_TOKEN
spec=${OPENAPI_SPEC:-$repo/openapi/openapi.json}
[[ -f $spec ]] || { echo "no OpenAPI document at $spec" >&2; exit 2; }
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
cache=${CLIENTS_CACHE:-$here/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

log() { printf '[clients %s] %s\n' "$1" "$2"; }

# Fails when a generator's output has a warning (openapi-python-client: "Warning(s)" and
# "WARNING ..."; openapi-typescript: lint findings marked "⚠"); prints it either way.
no_warnings() {
    local name=$1 out=$2
    cat "$out"
    if grep -qiE 'warn|⚠' "$out"; then
        log "$name" "the generator warned (above): the spec needs fixing, see tests/clients/README.md"
        return 1
    fi
}

run_typescript() {
    local dir=$here/typescript npm_dir=$cache/npm
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        log typescript "node and npm are needed"
        return 1
    fi
    log typescript "node $(node --version), npm $(npm --version 2>/dev/null)"

    # npm ci into the cache whenever the lock file changed; the tree links to it.
    if ! cmp -s "$dir/package-lock.json" "$npm_dir/.installed-lock.json" || [[ ! -d $npm_dir/node_modules ]]; then
        log typescript "npm ci (pinned in typescript/package-lock.json)"
        rm -rf "$npm_dir"
        mkdir -p "$npm_dir"
        cp "$dir/package.json" "$dir/package-lock.json" "$npm_dir/"
        (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$npm_dir/.installed-lock.json"
    fi
    if [[ -e $dir/node_modules && ! -L $dir/node_modules ]]; then
        rm -rf "$dir/node_modules"
    fi
    ln -sfn "$npm_dir/node_modules" "$dir/node_modules"
    local bin=$dir/node_modules/.bin

    log typescript "openapi-typescript $("$bin/openapi-typescript" --version 2>&1 | tail -n 1)"
    rm -rf "$dir/generated" "$dir/dist"
    mkdir -p "$dir/generated"
    local out=$cache/openapi-typescript.out
    "$bin/openapi-typescript" "$spec" --output "$dir/generated/api.d.ts" >"$out" 2>&1 || { cat "$out"; return 1; }
    no_warnings typescript "$out"

    log typescript "tsc $("$bin/tsc" --version) --strict"
    (cd "$dir" && "$bin/tsc" --strict --project tsconfig.json)

    log typescript "node dist/src/scenario.js against $BASE_URL"
    (cd "$dir" && node dist/src/scenario.js)
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

run_python() {
    local dir=$here/python venv=$cache/venv python
    python=$(find_python) || { log python "Python 3.11 or newer (with venv) is needed"; return 1; }
    local want
    want="$("$python" --version 2>&1) $(sha256sum "$dir/requirements.txt" | cut -d' ' -f1)"
    if [[ ! -x $venv/bin/python || "$(cat "$venv/.installed" 2>/dev/null)" != "$want" ]]; then
        log python "venv with $("$python" --version 2>&1), pip install (pinned in python/requirements.txt)"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
        echo "$want" >"$venv/.installed"
    fi
    "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null

    # The generator runs ruff (from the venv) on what it writes.
    export PATH=$venv/bin:$PATH
    log python "openapi-python-client $("$venv/bin/openapi-python-client" --version | tail -n 1)"
    local gen=$dir/generated out=$cache/openapi-python-client.out
    rm -rf "$gen"
    if ! "$venv/bin/openapi-python-client" generate --path "$spec" --config "$dir/generator.yml" \
        --output-path "$gen" --meta poetry >"$out" 2>&1; then
        cat "$out"
        return 1
    fi
    no_warnings python "$out"

    log python "pip install the generated trustplan-client"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
        --force-reinstall "$gen"
    "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null

    log python "mypy $("$venv/bin/mypy" --version | cut -d' ' -f2) --strict scenario.py"
    (cd "$dir" && "$venv/bin/mypy" --strict --cache-dir "$cache/mypy" scenario.py)

    log python "python scenario.py against $BASE_URL"
    (cd "$dir" && "$venv/bin/python" -B scenario.py)
}

# `run.sh --only NAME` runs one client in this process, where `set -e` holds throughout.
if [[ ${1:-} == --only ]]; then
    "run_$2"
    exit 0
fi

# The server may just have been started: wait up to a minute for it to be ready.
if command -v curl >/dev/null; then
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "${BASE_URL%/}/health/ready" 2>/dev/null && break
        sleep 1
    done
    curl -fsS -o /dev/null "${BASE_URL%/}/health/ready" || { echo "$BASE_URL is not ready" >&2; exit 1; }
fi

clients=("$@")
[[ ${#clients[@]} -gt 0 ]] || clients=(typescript python)
passed=0 failed=0 lines=()
for client in "${clients[@]}"; do
    case $client in
        typescript | python) ;;
        *) echo "unknown client '$client' (typescript, python)" >&2; exit 2 ;;
    esac
    start=$SECONDS
    if bash "$here/run.sh" --only "$client"; then
        lines+=("PASS $client client ($((SECONDS - start)) s)")
        passed=$((passed + 1))
    else
        lines+=("FAIL $client client ($((SECONDS - start)) s)")
        failed=$((failed + 1))
    fi
    echo "${lines[-1]}"
done
echo
printf '%s\n' "${lines[@]}"
echo "clients: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
