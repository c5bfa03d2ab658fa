#!/usr/bin/env bash
# Offline checks of the Kubernetes delivery: helm 4 lint --strict and template for every values
# profile in charts/mcp-stack/ci/ (and the ones skaffold uses in k8s/), each rendering validated
# by kubernetes-validate --strict; assertions on what the renderings say (e2e/chart/rendered.py);
# invalid values refused by values.schema.json with a message naming what is wrong; skaffold.yaml
# against the skaffold/v4beta14 schema; the Dockerfiles under hadolint; yamllint on the YAML.
# Needs HELM (the helm binary) and CHART_TOOLS (the bin directory of e2e/chart/requirements.txt).
# Prints "ok - ..." / "not ok - ..." per check and "# pass N" / "# fail N".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/e2e/lib/tap.sh"
helm=${HELM:?HELM must name the helm binary}
tools=${CHART_TOOLS:?CHART_TOOLS must name the checkers bin directory}
chart="$root/charts/mcp-stack"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rendered"

check "helm is version 4" bash -c "'$helm' version --short | grep -q '^v4\.'"

for values in "$chart"/ci/*.yaml; do
  profile=$(basename "$values" .yaml)
  check "helm lint --strict ($profile)" "$helm" lint --strict "$chart" -f "$values"
  check "helm template ($profile)" bash -c "'$helm' template mcp '$chart' --namespace mcp -f '$values' >'$work/rendered/$profile.yaml'"
  check "kubernetes-validate --strict accepts every core object ($profile)" \
    "$tools/kubernetes-validate" --strict --quiet "$work/rendered/$profile.yaml"
done
for values in "$root"/k8s/*-values.yaml; do
  [ "$(basename "$values")" = monitoring-values.yaml ] && continue
  name=k8s-$(basename "$values" .yaml)
  check "helm template with skaffold's $(basename "$values")" bash -c \
    "'$helm' template mcp '$chart' --namespace mcp -f '$root/k8s/dev-values.yaml' -f '$values' >'$work/$name.yaml' && '$tools/kubernetes-validate' --strict --quiet '$work/$name.yaml'"
done

# The validator is strict: an unknown field in a rendered Deployment is an error.
"$tools/python" - "$work/rendered/demo-introspection-values.yaml" "$work/tampered.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for doc in docs:
    if doc["kind"] == "Deployment":
        doc["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
check "kubernetes-validate --strict refuses an unknown field" bash -c "! '$tools/kubernetes-validate' --strict --quiet '$work/tampered.yaml'"

"$tools/python" "$here/rendered.py" "$work/rendered" "$chart" | tee "$work/rendered.log" | grep -v '^#'
pass=$((pass + $(awk '/^# pass/ {print $3}' "$work/rendered.log")))
fail=$((fail + $(awk '/^# fail/ {print $3}' "$work/rendered.log")))

refused() { # refused <description> <expected message part> <helm --set args...>
  local description=$1 expected=$2
  shift 2
  if "$helm" template mcp "$chart" "$@" >"$work/out" 2>"$work/err"; then
    check "$description is refused" false
  else
    check "$description is refused, saying: $expected" grep -qF -- "$expected" "$work/err"
  fi
}
# helm names the value at fault and the rule it breaks.
refused "a managed IdP without an issuer" "at '/auth/managedIdp/issuer'" --set auth.mode=managedIdp
refused "a managed IdP issuer that is not https" "does not match pattern '^https://.+'" --set auth.mode=managedIdp --set auth.managedIdp.issuer=http://idp
refused "an unknown auth mode" "at '/auth/mode': value must be one of 'demo', 'managedIdp', 'disabled'" --set auth.mode=basic
refused "an unknown token mode" "at '/auth/tokenMode': value must be one of" --set auth.tokenMode=saml
refused "an external Redis without URL or Secret" "at '/redis/external/url'" --set redis.mode=external
refused "in-memory state with three replicas" "at '/mcp/replicaCount': maximum: got 3, want 1" --set redis.mode=none --set mcp.replicaCount=3
refused "in-memory state with autoscaling" "at '/mcp/autoscaling/enabled': value must be false" --set redis.mode=none --set mcp.replicaCount=1 --set mcp.autoscaling.enabled=true
refused "a Gateway API route without a gateway" "at '/gatewayApi/parentRefs': minItems" --set gatewayApi.enabled=true
refused "a misspelt value" "additional properties 'replicas' not allowed" --set mcp.replicas=3
refused "a malformed image digest" "at '/mcp/image/digest'" --set mcp.image.digest=latest

# The `helm test` hook's script, run against the real servers: the demo setup (a token from the
# authorization server, then an initialize) and the managed-IdP setup (an anonymous initialize
# refused with a challenge).
mcp_bin=${MCP_SERVER_BIN:-$root/target/debug/mcp-server}
as_bin=${OAUTH_SERVER_BIN:-$root/target/debug/oauth-server}
hook_script() { # hook_script <values args...>: the test pod's shell script
  "$helm" template mcp "$chart" --show-only templates/tests/initialize.yaml "$@" |
    "$tools/python" -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["spec"]["containers"][0]["args"][0])'
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
if [ -x "$mcp_bin" ] && [ -x "$as_bin" ]; then
  mcp_port=$(free_port)
  as_port=$(free_port)
  secret=hook-secret-0123456789abcdef
  AUTH_PORT=$as_port BIND_ADDRESS=127.0.0.1 OAUTH_PRESET_CLIENTS="mcp-server:$secret" \
    OAUTH_RESOURCES="http://127.0.0.1:$mcp_port/mcp" RUST_LOG=warn "$as_bin" >/dev/null 2>&1 &
  as_pid=$!
  PORT=$mcp_port BIND_ADDRESS=127.0.0.1 MCP_PUBLIC_URL="http://127.0.0.1:$mcp_port/mcp" \
    OAUTH_SERVER_URL="http://127.0.0.1:$as_port" OAUTH_CLIENT_ID=mcp-server OAUTH_CLIENT_SECRET=$secret \
    RUST_LOG=warn "$mcp_bin" >/dev/null 2>&1 &
  mcp_pid=$!
  wait_up "http://127.0.0.1:$as_port/healthz"
  wait_up "http://127.0.0.1:$mcp_port/healthz"
  hook_script >"$work/hook-demo.sh"
  check "helm test hook (demo): a token from the authorization server, then an initialize" \
    env MCP_URL="http://127.0.0.1:$mcp_port/mcp" AUTH_MODE=demo TOKEN_URL="http://127.0.0.1:$as_port/token" \
    CLIENT_ID=mcp-server CLIENT_SECRET=$secret TMPDIR="$work" sh -ec "$(sed "s|/tmp/|$work/|g" "$work/hook-demo.sh")"
  check "helm test hook (demo) fails with a wrong client secret" bash -c "! env MCP_URL='http://127.0.0.1:$mcp_port/mcp' AUTH_MODE=demo \
    TOKEN_URL='http://127.0.0.1:$as_port/token' CLIENT_ID=mcp-server CLIENT_SECRET=wrong sh -ec \"\$(sed 's|/tmp/|$work/|g' '$work/hook-demo.sh')\""
  hook_script --set auth.mode=managedIdp --set auth.managedIdp.issuer=https://idp.example.com >"$work/hook-idp.sh"
  check "helm test hook (managed IdP): an anonymous initialize is refused with a challenge" \
    env MCP_URL="http://127.0.0.1:$mcp_port/mcp" AUTH_MODE=managedIdp sh -ec "$(sed "s|/tmp/|$work/|g" "$work/hook-idp.sh")"
  kill "$mcp_pid" "$as_pid" 2>/dev/null
  wait "$mcp_pid" "$as_pid" 2>/dev/null
else
  echo "e2e/chart/check.sh: no server binaries at $mcp_bin and $as_bin (cargo build first)" >&2
  check "helm test hook against the real servers (needs the binaries)" false
fi

check "skaffold.yaml is valid against the skaffold/v4beta14 schema" \
  "$tools/check-jsonschema" --schemafile "$root/e2e/chart/schemas/skaffold-v4beta14.json" "$root/skaffold.yaml"
check "skaffold.yaml builds both images from their Dockerfiles and deploys the chart" "$tools/python" - "$root/skaffold.yaml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
assert config["apiVersion"] == "skaffold/v4beta14"
files = {a["image"]: a["docker"]["dockerfile"] for a in config["build"]["artifacts"]}
assert files == {"mcp-server": "Dockerfile.mcp", "oauth-server": "Dockerfile.oauth"}, files
release = config["deploy"]["helm"]["releases"][0]
assert release["chartPath"] == "charts/mcp-stack"
templates = release["setValueTemplates"]
assert "IMAGE_REPO_mcp_server" in templates["mcp.image.repository"]
assert "IMAGE_REPO_oauth_server" in templates["oauth.image.repository"]
assert {p["name"] for p in config["profiles"]} == {"demo-introspection", "demo-jwt", "managed-idp"}
PY
for dockerfile in Dockerfile.mcp Dockerfile.oauth; do
  check "hadolint $dockerfile" "$tools/hadolint" "$root/$dockerfile"
done
check "yamllint: skaffold.yaml, k8s/, the chart's values and alert rules" "$tools/yamllint" -d \
  '{extends: default, rules: {line-length: {max: 180}, document-start: disable, truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}}}' \
  "$root/skaffold.yaml" "$root/k8s" "$chart/values.yaml" "$chart/ci" "$chart/files/alerts.yaml"
report
