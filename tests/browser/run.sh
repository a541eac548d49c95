#!/usr/bin/env bash
# The printable HTML reports as a reader's browser renders them: check-reports.mjs opens
# each path in headless Debian Chromium (driven by playwright-core, which downloads no
# browser) and fails on console errors, failed loads or declared sections that are missing.
#
# Usage: BASE_URL=http://127.0.0.1:18089 TRUSTPLAN_ADMIN_TOKEN=<admin JWT> tests/browser/run.sh /report/path...
#   CHROMIUM  the browser (default /usr/bin/chromium, installed from Debian's packages when missing)
# Packages come from the npm registry (npm ci, package-lock.json).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

: "${BASE_URL:?set BASE_URL to the served app, e.g. http://127.0.0.1:18089}"
: "${TRUSTPLAN_ADMIN_TOKEN:?set TRUSTPLAN_ADMIN_TOKEN to an admin JWT for that server}"
export BASE_URL TRUSTPLAN_ADMIN_TOKEN

if [[ -z ${CHROMIUM:-} && ! -x /usr/bin/chromium ]]; then
    echo "Chromium is not installed: installing it from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node and npm are needed" >&2
    exit 1
fi

# npm ci only when the lock file changed since the last install.
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.installed-lock.json"; then
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$here/package-lock.json" "$here/node_modules/.installed-lock.json"
fi

cd "$here"
node check-reports.mjs "$@"
