"""Checks on the chart as rendered for each values profile in charts/mcp-stack/ci/.

Usage: rendered.py <dir with one <profile>.yaml per profile> <chart dir>
Prints "ok - ..." / "not ok - ..." per check, then "# pass N" / "# fail N".
"""

import json
import os
import sys

import yaml

render_dir, chart_dir = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(description, condition):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok - {description}")
    else:
        failed += 1
        print(f"not ok - {description}")


def load(profile):
    with open(os.path.join(render_dir, f"{profile}.yaml")) as rendered:
        return [doc for doc in yaml.safe_load_all(rendered) if doc]


def of_kind(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def component(docs, kind, name):
    found = [d for d in of_kind(docs, kind) if d["metadata"]["labels"].get("app.kubernetes.io/component") == name]
    return found[0] if found else None


def container(workload):
    return workload["spec"]["template"]["spec"]["containers"][0]


def env(workload):
    return {item["name"]: item for item in container(workload).get("env", [])}


def value(workload, name):
    return env(workload).get(name, {}).get("value")


def from_secret(workload, name):
    ref = env(workload).get(name, {}).get("valueFrom", {}).get("secretKeyRef")
    return (ref["name"], ref["key"]) if ref else None


profiles = sorted(name[: -len(".yaml")] for name in os.listdir(render_dir))
# Variables whose values are secrets: they may only come from Secrets, or join variables that do.
SECRET_NAMES = ("_SECRET", "_PASSWORD", "_STATE_KEYS", "_PRESET_CLIENTS")

for profile in profiles:
    docs = load(profile)
    mcp = component(docs, "Deployment", "mcp")
    oauth = component(docs, "Deployment", "oauth")
    check(f"{profile}: the MCP server is deployed", mcp is not None)
    if mcp is None:
        continue
    workloads = [w for w in of_kind(docs, "Deployment") + of_kind(docs, "StatefulSet")]
    for workload in workloads:
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        security = pod.get("securityContext", {})
        check(f"{profile}: {name} runs as non-root with the RuntimeDefault seccomp profile",
              security.get("runAsNonRoot") is True and security.get("seccompProfile", {}).get("type") == "RuntimeDefault")
        check(f"{profile}: {name} does not mount a service account token", pod.get("automountServiceAccountToken") is False)
        for box in pod["containers"]:
            context = box.get("securityContext", {})
            check(f"{profile}: {name}/{box['name']} has a read-only root, no privilege escalation, no capabilities",
                  context.get("readOnlyRootFilesystem") is True
                  and context.get("allowPrivilegeEscalation") is False
                  and context.get("capabilities", {}).get("drop") == ["ALL"])
            check(f"{profile}: {name}/{box['name']} has resource requests and a memory limit",
                  "requests" in box.get("resources", {}) and "memory" in box["resources"].get("limits", {}))
            for item in box.get("env", []):
                if item["name"].endswith(SECRET_NAMES) and "value" in item:
                    check(f"{profile}: {name} {item['name']} only joins other variables",
                          "$(" in item["value"] and "$(" + item["name"] + ")" not in item["value"])
            url = next((item for item in box.get("env", []) if item["name"] == "REDIS_URL"), None)
            if url is not None and "value" in url:
                check(f"{profile}: {name} builds REDIS_URL from the password Secret, not a literal",
                      "$(REDIS_PASSWORD)" in url["value"])
    for server in [w for w in (mcp, oauth) if w]:
        box = container(server)
        name = server["metadata"]["name"]
        check(f"{profile}: {name} has startup and liveness probes on /healthz and readiness on /readyz",
              box["startupProbe"]["httpGet"]["path"] == "/healthz"
              and box["livenessProbe"]["httpGet"]["path"] == "/healthz"
              and box["readinessProbe"]["httpGet"]["path"] == "/readyz")
        grace = int(value(server, "SHUTDOWN_GRACE_SECS"))
        pause = box["lifecycle"]["preStop"]["sleep"]["seconds"]
        check(f"{profile}: {name} gives the drain time to finish (grace {server['spec']['template']['spec']['terminationGracePeriodSeconds']} > preStop {pause} + drain {grace})",
              server["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > pause + grace)
        check(f"{profile}: {name} rolls when its Secrets change",
              "checksum/secrets" in server["spec"]["template"]["metadata"].get("annotations", {}))
        ports = {port["name"] for port in box["ports"]}
        check(f"{profile}: {name} exposes http and metrics ports", ports == {"http", "metrics"})
    check(f"{profile}: the state keys come from a Secret", from_secret(mcp, "MCP_STATE_KEYS") is not None)
    for ingress in of_kind(docs, "Ingress"):
        backends = {path["backend"]["service"]["port"]["name"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
        check(f"{profile}: no ingress rule reaches a metrics port", backends == {"http"})
    check(f"{profile}: a helm test runs an initialize",
          any(doc["kind"] == "Pod" and doc["metadata"].get("annotations", {}).get("helm.sh/hook") == "test" for doc in docs))
    secrets = of_kind(docs, "Secret")
    check(f"{profile}: Secrets hold data, never stringData", all("stringData" not in secret for secret in secrets))

    if profile != "ha-values":
        check(f"{profile}: no per-client limits unless asked for",
              not any(name.startswith(("MCP_RATE_LIMIT", "MCP_CONCURRENCY")) for name in env(mcp)))

    auth = value(mcp, "AUTH_TOKEN_MODE")
    if profile == "demo-introspection-values":
        check(f"{profile}: introspection against the in-cluster authorization server",
              auth == "introspection" and value(mcp, "OAUTH_INTROSPECT_URL").endswith(".svc:80/introspect"))
        check(f"{profile}: the introspection secret is a Secret reference", from_secret(mcp, "OAUTH_CLIENT_SECRET") is not None)
        check(f"{profile}: the authorization server issues opaque tokens for the MCP server's URL",
              oauth is not None and value(oauth, "ACCESS_TOKEN_FORMAT") == "opaque"
              and value(oauth, "OAUTH_RESOURCES") == value(mcp, "MCP_PUBLIC_URL"))
        check(f"{profile}: the authorization server's preset client is the MCP server's",
              value(oauth, "OAUTH_PRESET_CLIENTS") == "$(MCP_CLIENT_ID):$(MCP_CLIENT_SECRET)"
              and from_secret(oauth, "MCP_CLIENT_SECRET") == from_secret(mcp, "OAUTH_CLIENT_SECRET"))
        redis = component(docs, "StatefulSet", "redis")
        check(f"{profile}: the release's own Redis, with a password", redis is not None and "--requirepass" in container(redis)["args"])
        policies = {p["metadata"]["name"]: p for p in of_kind(docs, "NetworkPolicy")}
        redis_policy = next((p for n, p in policies.items() if n.endswith("-redis")), None)
        allowed = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in redis_policy["spec"]["ingress"][0]["from"]] if redis_policy else []
        check(f"{profile}: only the MCP and authorization servers may reach Redis", sorted(allowed) == ["mcp", "oauth"])
    elif profile == "demo-jwt-values":
        check(f"{profile}: JWT mode with the demo server as issuer",
              auth == "jwt" and oauth is not None and value(mcp, "JWT_ISSUER") == value(oauth, "ISSUER_URL"))
        check(f"{profile}: keys from the demo server's JWKS inside the cluster",
              value(mcp, "JWT_JWKS_URL").endswith(".svc:80/.well-known/jwks.json"))
        check(f"{profile}: the demo server issues JWTs", value(oauth, "ACCESS_TOKEN_FORMAT") == "jwt")
        check(f"{profile}: no introspection credentials", "OAUTH_CLIENT_SECRET" not in env(mcp))
    elif profile == "managed-idp-values":
        check(f"{profile}: the demo authorization server is not deployed", oauth is None and component(docs, "Service", "oauth") is None)
        check(f"{profile}: JWT mode against the IdP",
              auth == "jwt" and value(mcp, "JWT_ISSUER") == "https://example.okta.com/oauth2/default"
              and value(mcp, "JWT_AUDIENCE") == "api://mcp"
              and value(mcp, "JWT_JWKS_URL") == "https://example.okta.com/oauth2/default/v1/keys"
              and value(mcp, "JWT_ALGORITHMS") == "RS256")
        check(f"{profile}: the public URL is the audience", value(mcp, "MCP_PUBLIC_URL") == "https://mcp.example.com/mcp")
        check(f"{profile}: the allowed hosts include the public host", "mcp.example.com" in value(mcp, "MCP_ALLOWED_HOSTS").split(","))
    elif profile == "single-pod-memory-values":
        check(f"{profile}: auth off, said so", value(mcp, "DISABLE_AUTH") == "true")
        check(f"{profile}: no Redis at all", "REDIS_URL" not in env(mcp) and component(docs, "StatefulSet", "redis") is None)
        check(f"{profile}: one replica", mcp["spec"]["replicas"] == 1)
    elif profile == "external-redis-values":
        check(f"{profile}: REDIS_URL from the named Secret", from_secret(mcp, "REDIS_URL") == ("managed-redis", "url")
              and from_secret(oauth, "REDIS_URL") == ("managed-redis", "url"))
        check(f"{profile}: no Redis of its own", component(docs, "StatefulSet", "redis") is None)
        check(f"{profile}: existing Secrets for the state keys and the introspection secret",
              from_secret(mcp, "MCP_STATE_KEYS") == ("mcp-state-keys", "state-keys")
              and from_secret(mcp, "OAUTH_CLIENT_SECRET") == ("mcp-introspection", "client-secret"))
    elif profile == "ingress-values":
        ingress = of_kind(docs, "Ingress")[0]
        notes = ingress["metadata"]["annotations"]
        check(f"{profile}: SSE-safe ingress-nginx annotations",
              notes.get("nginx.ingress.kubernetes.io/proxy-buffering") == "off"
              and notes.get("nginx.ingress.kubernetes.io/proxy-request-buffering") == "off"
              and notes.get("nginx.ingress.kubernetes.io/proxy-http-version") == "1.1"
              and int(notes.get("nginx.ingress.kubernetes.io/proxy-read-timeout", "0")) >= 3600
              and int(notes.get("nginx.ingress.kubernetes.io/proxy-send-timeout", "0")) >= 3600)
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        check(f"{profile}: both hosts, with TLS", hosts == {"mcp.example.com", "auth.example.com"} and len(ingress["spec"]["tls"]) == 2)
        check(f"{profile}: URLs follow the hosts",
              value(mcp, "MCP_PUBLIC_URL") == "https://mcp.example.com/mcp"
              and value(oauth, "ISSUER_URL") == "https://auth.example.com"
              and value(mcp, "OAUTH_SERVER_URL") == "https://auth.example.com")
    elif profile == "gateway-api-values":
        routes = of_kind(docs, "HTTPRoute")
        mcp_route = next(route for route in routes if route["metadata"]["name"].endswith("-mcp"))
        check(f"{profile}: the /mcp route never times out a stream",
              all(rule["timeouts"]["request"] == "0s" for rule in mcp_route["spec"]["rules"]))
        check(f"{profile}: routes attach to the gateway with their hosts",
              len(routes) == 2 and all(route["spec"]["parentRefs"][0]["name"] == "public" for route in routes)
              and mcp_route["spec"]["hostnames"] == ["mcp.example.com"])
        check(f"{profile}: no Ingress", not of_kind(docs, "Ingress"))
    elif profile == "ha-values":
        hpa = of_kind(docs, "HorizontalPodAutoscaler")[0]
        metrics = {metric["type"]: metric for metric in hpa["spec"]["metrics"]}
        check(f"{profile}: autoscaled 3..12 on CPU and open streams",
              hpa["spec"]["minReplicas"] == 3 and hpa["spec"]["maxReplicas"] == 12
              and metrics["Pods"]["pods"]["metric"]["name"] == "mcp_server_sse_streams_open"
              and "Resource" in metrics)
        check(f"{profile}: the HPA owns the replica count", "replicas" not in mcp["spec"])
        check(f"{profile}: per-client limits reach the MCP server",
              (value(mcp, "MCP_RATE_LIMIT_PER_SECOND"), value(mcp, "MCP_RATE_LIMIT_BURST"),
               value(mcp, "MCP_CONCURRENCY_LIMIT")) == ("50", "100", "32"))
        pdbs = {pdb["metadata"]["labels"]["app.kubernetes.io/component"]: pdb for pdb in of_kind(docs, "PodDisruptionBudget")}
        check(f"{profile}: disruption budgets for both servers", set(pdbs) == {"mcp", "oauth"} and pdbs["mcp"]["spec"]["maxUnavailable"] == 1)
        spread = mcp["spec"]["template"]["spec"]["topologySpreadConstraints"]
        check(f"{profile}: spread over zones and nodes", {c["topologyKey"] for c in spread} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"})
        monitor = of_kind(docs, "ServiceMonitor")[0]
        check(f"{profile}: a ServiceMonitor scrapes the metrics ports", monitor["spec"]["endpoints"][0]["port"] == "metrics")
        rule = of_kind(docs, "PrometheusRule")[0]
        with open(os.path.join(chart_dir, "files", "alerts.yaml")) as alerts:
            shipped = yaml.safe_load(alerts)
        check(f"{profile}: the PrometheusRule carries the tested alert rules", rule["spec"] == shipped)
        boards = [cm for cm in of_kind(docs, "ConfigMap") if cm["metadata"]["labels"].get("grafana_dashboard") == "1"]
        check(f"{profile}: three dashboards for the Grafana sidecar, as valid JSON",
              len(boards) == 3 and all(json.loads(next(iter(cm["data"].values())))["panels"] for cm in boards))
        check(f"{profile}: traces exported with the pod as service.instance.id",
              value(mcp, "OTEL_EXPORTER_OTLP_ENDPOINT") == "http://otel-collector.observability.svc:4318"
              and "service.instance.id=$(POD_NAME)" in value(mcp, "OTEL_RESOURCE_ATTRIBUTES"))
        policy = next(p for p in of_kind(docs, "NetworkPolicy") if p["metadata"]["name"].endswith("-mcp"))
        metrics_rule = next(rule for rule in policy["spec"]["ingress"] if rule["ports"][0]["port"] == "metrics")
        check(f"{profile}: only the monitoring namespace may scrape", metrics_rule["from"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"})

print(f"# pass {passed}")
print(f"# fail {failed}")
sys.exit(1 if failed else 0)
