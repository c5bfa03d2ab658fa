#!/usr/bin/env bash
# Runs the official MCP Python SDK (e2e/python/requirements.txt) against the real binaries
# ($MCP_SERVER_BIN and $OAUTH_SERVER_BIN, default target/debug/…) and prints "# pass N" / "# fail N" for
# scripts/test. Keeps a virtualenv in .venv, brought up to date when requirements.txt changes
# (a stamp file in .venv records the hash of the requirements it was installed from).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.e2e-python-requirements.sha256"
export MCP_SERVER_BIN="${MCP_SERVER_BIN:-$root/target/debug/mcp-server}"
export OAUTH_SERVER_BIN="${OAUTH_SERVER_BIN:-$root/target/debug/oauth-server}"

give_up() { # give_up <message>
  echo "e2e/python: $1" >&2
  echo "# pass 0"
  echo "# fail 1"
  exit 1
}

command -v python3 >/dev/null || give_up "python3 is missing (install python3 and python3-venv)"
for binary in "$MCP_SERVER_BIN" "$OAUTH_SERVER_BIN"; do
  [ -x "$binary" ] || give_up "no server binary at $binary (run: cargo build --bin mcp-server --bin oauth-server)"
done

venv_works() { "$venv/bin/python" -m pip --version >/dev/null 2>&1; }
make_venv() { rm -rf "$venv" && python3 -m venv "$venv" >/dev/null 2>&1 && venv_works; }

if ! venv_works; then
  echo "e2e/python: creating $venv"
  if ! make_venv; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      echo "e2e/python: python3 -m venv failed; installing python3-venv"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } >&2
    fi
    make_venv || give_up "python3 -m venv does not work here (install the python3-venv package)"
  fi
fi
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "e2e/python: installing e2e/python/requirements.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
    || give_up "pip install -r e2e/python/requirements.txt failed"
  echo "$wanted" >"$stamp"
fi

# The conftest prints the "# pass N" / "# fail N" lines; a run that failed without counting a
# failure (pytest could not start, collect, or found no tests) counts as one.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$here" && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ] && ! grep -qE '^# fail [1-9]' "$log"; then
  echo "# fail 1"
fi
exit "$status"
