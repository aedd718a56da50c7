#!/usr/bin/env bash
# Create .venv at the repository root and install SkillShift into it, once.
# Sourced by start_all_services.sh and run_tests.sh; reinstalls when pyproject.toml changes.
# Usage: source scripts/bootstrap.sh EXTRAS   (EXTRAS such as "worker" or "worker,test")
set -euo pipefail

# Succeed when the comma-separated extras in $1 include every one in $2.
_covers() {
    local extra
    for extra in ${2//,/ }; do
        [[ ",$1," == *",$extra,"* ]] || return 1
    done
}

bootstrap_venv() {
    local extras=$1
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    local venv="$root/.venv"
    local python=${PYTHON:-}
    if [[ -z "$python" ]]; then
        python=$(command -v python3.11 || command -v python3 || true)
    fi
    if [[ -z "$python" ]]; then
        echo "error: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
        return 1
    fi

    local stamp="$venv/.skillshift-$extras"
    local digest
    digest=$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)
    # An install with more extras (worker,test for worker) and the same pyproject.toml will do.
    local existing
    for existing in "$venv"/.skillshift-*; do
        if [[ -x "$venv/bin/python" && -f "$existing" && "$(cat "$existing")" == "$digest" ]] \
            && _covers "${existing##*/.skillshift-}" "$extras"; then
            return 0
        fi
    done

    if [[ ! -x "$venv/bin/python" ]]; then
        echo "creating $venv with $python"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip
    fi
    echo "installing skillshift[$extras] into $venv (first run takes a few minutes)"
    "$venv/bin/python" -m pip install --quiet -e "$root[$extras]"
    echo "$digest" > "$stamp"
}
