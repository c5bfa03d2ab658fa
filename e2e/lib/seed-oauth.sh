# The seed README's OAuth steps (PKCE -> register -> authorize -> token) against the demo AS at
# $AS for the resource $RESOURCE, every response checked with `check` (lib/tap.sh); leaves
# ACCESS_TOKEN, THE_CODE, YOUR_CLIENT_ID/SECRET and YOUR_CODE_VERIFIER set, and `token_request`
# and the JSON/header helpers defined. Needs $node and $work. Sourced, not run.

json() { # json <file> <python expression over `body`>: prints the value
  python3 -c 'import json, sys; body = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

status() { # status <headers file>: the HTTP status code of the last response
  grep -E '^HTTP/' "$1" | tail -1 | awk '{print $2}'
}

header() { # header <headers file> <name>: the value of that header
  grep -i "^$2:" "$1" | head -1 | cut -d' ' -f2- | tr -d '\r'
}

seed_oauth_steps() {
  # Step: PKCE verifier and challenge, with the README's one-liner.
  node_out=$("$node" -e "const c=require('crypto');const v=c.randomBytes(48).toString('base64url');const ch=c.createHash('sha256').update(v).digest('base64url');console.log({code_verifier:v,code_challenge:ch})")
  YOUR_CODE_VERIFIER=$(sed -nE "s/.*code_verifier: '([^']+)'.*/\1/p" <<<"$node_out")
  YOUR_CODE_CHALLENGE=$(sed -nE "s/.*code_challenge: '([^']+)'.*/\1/p" <<<"$node_out")
  check "the one-liner prints a 64-character code_verifier" test "${#YOUR_CODE_VERIFIER}" -eq 64
  check "the one-liner prints a 43-character code_challenge" test "${#YOUR_CODE_CHALLENGE}" -eq 43

  # Step: register a client.
  curl -sS -X POST $AS/register \
  -H "Content-Type: application/json" \
  -d '{
  "client_name":"cli",
  "redirect_uris":["https://oauth.pstmn.io/v1/callback"],
  "grant_types":["authorization_code"],
  "response_types":["code"],
  "token_endpoint_auth_method":"client_secret_post",
  "scope":"mcp:tools"
  }' -D "$work/register.h" >"$work/register"
  YOUR_CLIENT_ID=$(json "$work/register" 'body["client_id"]')
  YOUR_CLIENT_SECRET=$(json "$work/register" 'body["client_secret"]')
  check "register answers 201" test "$(status "$work/register.h")" = 201
  check "register answers JSON" grep -qi '^content-type: application/json' "$work/register.h"
  check "register returns client_id and client_secret" test -n "$YOUR_CLIENT_ID" -a -n "$YOUR_CLIENT_SECRET"
  check "register returns client_secret_expires_at with the secret" test "$(json "$work/register" 'isinstance(body["client_secret_expires_at"], int)')" = True
  check "register echoes the metadata" test "$(json "$work/register" '(body["client_name"], body["redirect_uris"], body["token_endpoint_auth_method"], body["grant_types"], body["response_types"], body["scope"])')" = "('cli', ['https://oauth.pstmn.io/v1/callback'], 'client_secret_post', ['authorization_code'], ['code'], 'mcp:tools')"

  # Step: authorize (auto mode answers at once), reading the code from Location.
  curl -sS -o /dev/null -D - -G $AS/authorize \
  --data-urlencode "client_id=$YOUR_CLIENT_ID" \
  --data-urlencode "redirect_uri=https://oauth.pstmn.io/v1/callback" \
  --data-urlencode "response_type=code" \
  --data-urlencode "scope=mcp:tools" \
  --data-urlencode "state=xyz" \
  --data-urlencode "code_challenge=$YOUR_CODE_CHALLENGE" \
  --data-urlencode "code_challenge_method=S256" \
  --data-urlencode "resource=$RESOURCE" >"$work/authorize.h"
  location=$(header "$work/authorize.h" location)
  query() { python3 -c 'import sys, urllib.parse as u; q = u.parse_qs(u.urlsplit(sys.argv[1]).query); print(q.get(sys.argv[2], [""])[0])' "$location" "$1"; }
  THE_CODE=$(query code)
  check "authorize answers 302" test "$(status "$work/authorize.h")" = 302
  check "Location goes to the registered redirect URI" test "${location%%\?*}" = https://oauth.pstmn.io/v1/callback
  check "Location carries a code" test -n "$THE_CODE"
  check "Location carries state=xyz" test "$(query state)" = xyz
  check "Location carries iss=$AS (RFC 9207)" test "$(query iss)" = "$AS"

  # Step: exchange the code.
  token_request() {
    curl -sS -X POST $AS/token \
    -H "Content-Type: application/x-www-form-urlencoded" \
    --data-urlencode "grant_type=authorization_code" \
    --data-urlencode "code=$THE_CODE" \
    --data-urlencode "code_verifier=$YOUR_CODE_VERIFIER" \
    --data-urlencode "redirect_uri=https://oauth.pstmn.io/v1/callback" \
    --data-urlencode "client_id=$YOUR_CLIENT_ID" \
    --data-urlencode "client_secret=$YOUR_CLIENT_SECRET" \
    --data-urlencode "resource=$RESOURCE" -D "$1.h" >"$1"
  }
  token_request "$work/token"
  ACCESS_TOKEN=$(json "$work/token" 'body["access_token"]')
  check "token answers 200" test "$(status "$work/token.h")" = 200
  check "token answers JSON" grep -qi '^content-type: application/json' "$work/token.h"
  check "token answers Cache-Control: no-store" test "$(header "$work/token.h" cache-control)" = no-store
  check "token returns an access_token" test -n "$ACCESS_TOKEN"
  check "token_type is Bearer" test "$(json "$work/token" 'body["token_type"].lower()')" = bearer
  check "expires_in is a positive integer" test "$(json "$work/token" 'isinstance(body["expires_in"], int) and body["expires_in"] > 0')" = True
  check "the granted scope is mcp:tools" test "$(json "$work/token" 'body.get("scope", "mcp:tools")')" = mcp:tools
}
