#!/usr/bin/env bash
# Creates (or reuses) the lane's Python virtual environment with moto from PyPI, pinned by requirements.txt.
# VENV=<dir> puts it elsewhere (default .engine/venv). The venv is rebuilt when requirements.txt changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${VENV:-$repo/.engine/venv}
stamp=$(sha256sum "$here/requirements.txt" | cut -c1-16)
if [[ -x $venv/bin/python && "$(cat "$venv/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "moto: reusing $venv"
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
start=$SECONDS
"$venv/bin/pip" install --disable-pip-version-check --quiet --no-input -r "$here/requirements.txt"
echo "$stamp" > "$venv/.stamp"
echo "moto: installed into $venv in $((SECONDS - start)) s"
