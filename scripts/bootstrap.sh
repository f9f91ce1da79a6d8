#!/usr/bin/env bash
# Creates .venv (Python 3.11) if missing and installs the project with its dev extras.
# The install runs only when pyproject.toml changed since the last one (its hash is kept in .venv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

. scripts/lib.sh

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "bootstrap: Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)." >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    python="$(find_python)"
    echo "==> Creating .venv with $("$python" --version)"
    if ! "$python" -m venv .venv 2>/dev/null; then
        # Debian ships venv/ensurepip separately.
        rm -rf .venv
        echo "==> Installing python3-venv (Debian)"
        apt_install python3-venv
        "$python" -m venv .venv
    fi
fi

stamp=.venv/.pyproject.sha256
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
    echo "==> Installing Python dependencies (pyproject.toml changed)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    echo "$wanted" >"$stamp"
fi
