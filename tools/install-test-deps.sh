#!/usr/bin/env bash
# Install what the test suite needs: Prometheus, promtool, Alertmanager, amtool and
# VictoriaMetrics with vmalert (Debian packages, for the end-to-end tests), headless Chromium (the drill
# report's screenshot test) and a .venv with the package and its test extra.
#
# Idempotent and quick when everything is present: apt runs only when a tool is missing,
# and pip runs only when pyproject.toml changed since the last successful install.
# Not root and tools missing: prints what to install and carries on (the e2e tests then
# skip locally; with CI=true they fail, because CI is expected to run this as root).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

have() { command -v "$1" >/dev/null 2>&1; }

missing=()
have prometheus || missing+=(prometheus)
have promtool || missing+=(promtool)
have amtool || missing+=(amtool)
# Debian names the Alertmanager binary prometheus-alertmanager; upstream calls it alertmanager.
have alertmanager || have prometheus-alertmanager || missing+=(alertmanager)
# VictoriaMetrics single-node and vmalert, for the VictoriaMetrics target's tests (one package).
vm_missing=0
{ have victoria-metrics && have vmalert; } || { missing+=(victoria-metrics); vm_missing=1; }
# Headless Chromium, for the drill report's screenshot test (tests/test_drill_report.py).
browser_missing=0
have chromium || { missing+=(chromium); browser_missing=1; }

need_venv_pkg=0
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    need_venv_pkg=1 # Debian's python3 creates venvs only with python3-venv installed
fi

if [ "${#missing[@]}" -gt 0 ] || [ "$need_venv_pkg" -eq 1 ]; then
    packages=()
    if [ "${#missing[@]}" -gt "$((vm_missing + browser_missing))" ]; then packages+=(prometheus prometheus-alertmanager); fi
    if [ "$vm_missing" -eq 1 ]; then packages+=(victoria-metrics); fi
    if [ "$browser_missing" -eq 1 ]; then packages+=(chromium); fi
    if [ "$need_venv_pkg" -eq 1 ]; then packages+=(python3-venv); fi
    if [ "$(id -u)" -eq 0 ] && have apt-get; then
        echo "install-test-deps: installing ${packages[*]} (missing: ${missing[*]:-} venv support)" >&2
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${packages[@]}"
    else
        echo "install-test-deps: missing ${missing[*]:-python3 venv support}." >&2
        echo "  Install as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
        echo "  (end-to-end tests skip without them, and fail when CI=true)" >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi

if [ -f pyproject.toml ]; then
    stamp=.venv/.sigil-test-deps.sha256
    current=$(sha256sum pyproject.toml | cut -d' ' -f1)
    # Import from / so the check sees the installed package, not the source tree in the cwd.
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$current" ] ||
        ! (cd / && "$OLDPWD/.venv/bin/python" -c 'import sigil_monitoring') 2>/dev/null; then
        .venv/bin/pip install -q -e '.[test]'
        echo "$current" >"$stamp"
    fi
else
    echo "install-test-deps: no pyproject.toml yet; skipped 'pip install -e .[test]'" >&2
fi

echo "install-test-deps: ok"
