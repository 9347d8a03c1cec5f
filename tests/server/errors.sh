#!/usr/bin/env bash
# errors.sh — bad requests of every kind we could think of (malformed and
# mistyped JSON, unknown names, wrong methods, huge bodies, bad UTF-8, bad
# query parameters, missing/wrong token): each must get its status and an
# {"error": ...} naming the problem, the server must stay healthy after
# each, and none may change stored state.
# usage: LOAM=build/loam tests/server/errors.sh
source "$(dirname "$0")/lib.sh"
L="$LOAM"
build_guests || { echo "cannot build the guests"; exit 1; }
start_server "$WORK/data" --max-body 1048576 || exit 1
"$L" template add counter "$COUNTER_WASM" >/dev/null
"$L" template add talker "$TALKER_WASM" >/dev/null
"$L" worker add counter/c1 >/dev/null
"$L" worker invoke-and-await counter/c1 inc-by 1 >/dev/null
KINDS=0
HEALTH_AUTH=()

# The stored state that no bad request may change.
state() {
  curl -s "$LOAM_URL/v1/templates"
  curl -s "$LOAM_URL/v1/templates/counter/workers" | jq -c '[.workers[] | {name, oplogLength, status}]'
  curl -s "$LOAM_URL/v1/templates/talker/workers" | jq -c '[.workers[] | .name]'
}
before="$(state)"

# bad NAME STATUS SUBSTRING METHOD PATH [curl args...]
bad() {
  local name="$1" want="$2" sub="$3" m="$4" p="$5"
  shift 5
  KINDS=$((KINDS + 1))
  http "$m" "$p" "$@"
  if [ "$STATUS" != "$want" ]; then
    fail "$name: status $STATUS, want $want (body: ${BODY:0:300})"
  elif ! msg="$(echo "$BODY" | jq -er .error 2>/dev/null)"; then
    fail "$name: no {\"error\": ...} body: ${BODY:0:300}"
  else
    contains "$name" "$msg" "$sub"
  fi
  local h
  h="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${HEALTH_AUTH[@]}" "$LOAM_URL/healthz")"
  [ "$h" = 200 ] || fail "$name: /healthz answered $h afterwards"
}

W=/v1/templates/counter/workers/c1
IAW="$W/invoke-and-await?function=inc-by"
TOT="/v1/templates/talker/workers/t1/invoke-and-await?function=total"
J=(-H 'Content-Type: application/json')

# --- malformed bodies
bad "truncated JSON" 400 "malformed JSON" POST "$IAW" "${J[@]}" -d '{"params": [1,'
bad "not JSON at all" 400 "malformed JSON" POST "$IAW" -d 'params=1'
bad "array body" 400 "must be a JSON object" POST "$IAW" -d '[1]'
bad "string body" 400 "must be a JSON object" POST "$IAW" -d '"x"'
bad "empty body" 400 "needs a JSON object body" POST "$IAW"
bad "duplicate keys" 400 "duplicate" POST "$IAW" -d '{"params":[1],"params":[2]}'
bad "bad UTF-8 in body" 400 "malformed JSON" POST "/v1/templates/talker/workers/t1/invoke-and-await?function=say" \
  --data-binary $'{"params":["\xff\xfe"]}'
bad "deep nesting" 400 "malformed JSON" POST "$IAW" --data-binary "$(printf '%.0s[' $(seq 5000))"
bad "unknown body field" 400 "x: unknown field" POST "$IAW" -d '{"params":[1],"x":1}'
bad "params and wave" 400 "either params or wave" POST "$IAW" -d '{"params":[1],"wave":["1"]}'
# --- wrong types (the message names the path and the expected type)
bad "params not array" 400 "params: expected array" POST "$IAW" -d '{"params": 5}'
bad "too few params" 400 "takes 1 parameter" POST "$IAW" -d '{"params": []}'
bad "too many params" 400 "got 2" POST "$IAW" -d '{"params": [1, 2]}'
bad "string for u64" 400 "params[0]" POST "$IAW" -d '{"params": ["abc"]}'
bad "negative u64" 400 "params[0]" POST "$IAW" -d '{"params": [-1]}'
bad "fraction for u64" 400 "params[0]" POST "$IAW" -d '{"params": [1.5]}'
bad "null for u64" 400 "params[0]" POST "$IAW" -d '{"params": [null]}'
bad "object for u64" 400 "params[0]" POST "$IAW" -d '{"params": [{}]}'
bad "u64 overflow string" 400 "params[0]" POST "$IAW" -d '{"params": ["99999999999999999999999"]}'
bad "record missing field" 400 "params[0]" POST "$TOT" -d '{"params": [{"name": "Mug", "price": 9.5}]}'
bad "record field type" 400 "params[0].name" POST "$TOT" -d '{"params": [{"name": 5, "price": 9.5, "quantity": 2}]}'
bad "record extra field" 400 "params[0]" POST "$TOT" -d '{"params": [{"name": "a", "price": 1, "quantity": 2, "x": 1}]}'
bad "u32 out of range" 400 "params[0].quantity" POST "$TOT" -d '{"params": [{"name": "a", "price": 1, "quantity": 1099511627776}]}'
bad "wave not a string" 400 "wave[0]: expected string" POST "$IAW" -d '{"wave": [1]}'
bad "bad wave text" 400 "wave[0]" POST "$IAW" -d '{"wave": ["abc"]}'
bad "wave record field" 400 "wave[0]" POST "$TOT" -d '{"wave": ["{name: \"a\"}"]}'
bad "invoke bad params" 400 "params[0]" POST "$W/invoke?function=inc-by" -d '{"params": ["x"]}'
# --- unknown names (close matches listed)
bad "unknown template" 404 "unknown template 'nosuch'" GET /v1/templates/nosuch
bad "template close match" 404 "did you mean: counter" GET /v1/templates/countr
bad "unknown template id" 404 "unknown template '999'" GET /v1/templates/999
bad "unknown version" 404 "template counter has no version 99" GET "/v1/templates/counter?version=99"
bad "unknown worker" 404 "unknown worker 'zz'" GET /v1/templates/counter/workers/zz
bad "worker close match" 404 "did you mean: c1" GET /v1/templates/counter/workers/c2
bad "unknown function" 404 "has no function nope" POST "$W/invoke-and-await?function=nope" -d '{"params":[]}'
bad "function close names" 404 "example:counter/api.{inc-by}" POST "$W/invoke?function=inc" -d '{"params":[]}'
bad "delete unknown worker" 404 "unknown worker" DELETE /v1/templates/counter/workers/ghost
bad "interrupt unknown worker" 404 "unknown worker" POST /v1/templates/counter/workers/ghost/interrupt
bad "oplog unknown worker" 404 "unknown worker" GET /v1/templates/counter/workers/ghost/oplog
bad "workers of unknown template" 404 "unknown template" GET /v1/templates/ghost/workers
bad "unknown route" 404 "no such route" GET /v1/nope
bad "empty segment" 404 "no such route" GET /v1//templates
bad "too deep" 404 "no such route" GET /v1/templates/counter/workers/c1/oplog/x/y/z
# --- wrong methods
bad "PUT templates" 405 "not allowed" PUT /v1/templates
bad "DELETE template" 405 "not allowed" DELETE /v1/templates/counter
bad "GET invoke-and-await" 405 "allowed: POST" GET "$IAW"
bad "PATCH worker" 405 "allowed: GET, DELETE" PATCH "$W" -d '{}'
bad "POST healthz" 405 "not allowed" POST /healthz
bad "DELETE metrics" 405 "not allowed" DELETE /metrics
# --- templates
bad "template without name" 400 "missing query parameter 'name'" POST /v1/templates --data-binary @"$COUNTER_WASM"
bad "template empty body" 400 "it is empty" POST "/v1/templates?name=x"
bad "template not wasm" 400 "not a valid template" POST "/v1/templates?name=x" --data-binary 'hello'
bad "template truncated wasm" 400 "not a valid template" POST "/v1/templates?name=x" --data-binary @<(head -c 1000 "$COUNTER_WASM")
bad "template bad name" 400 "template name" POST "/v1/templates?name=a%2Fb" --data-binary @"$COUNTER_WASM"
bad "template bad UTF-8 name" 400 "template name" POST "/v1/templates?name=%FF%FE" --data-binary @"$COUNTER_WASM"
bad "template version not a number" 400 "'version'" GET "/v1/templates/counter?version=abc"
# --- sizes
head -c 2000000 /dev/zero >"$WORK/big"
bad "huge template" 413 "larger than the limit" POST "/v1/templates?name=big" --data-binary @"$WORK/big"
bad "huge JSON" 413 "larger than the limit" POST "$IAW" --data-binary @"$WORK/big"
bad "huge chunked body" 413 "larger than the limit" POST "$IAW" -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big"
# --- workers
bad "duplicate worker" 409 "exists" POST /v1/templates/counter/workers -d '{"name": "c1"}'
bad "worker without name" 400 "name: expected string" POST /v1/templates/counter/workers -d '{}'
bad "worker name a number" 400 "name: expected string" POST /v1/templates/counter/workers -d '{"name": 5}'
bad "worker name with space" 400 "worker name" POST /v1/templates/counter/workers -d '{"name": "a b"}'
bad "worker name too long" 400 "1 to 127" POST /v1/templates/counter/workers -d "{\"name\": \"$(printf 'x%.0s' $(seq 200))\"}"
bad "worker bad UTF-8 in path" 400 "worker name" GET /v1/templates/counter/workers/%FF%FE
bad "env not an object" 400 "env: expected object" POST /v1/templates/counter/workers -d '{"name": "e1", "env": 5}'
bad "env value not a string" 400 "env.A: expected string" POST /v1/templates/counter/workers -d '{"name": "e1", "env": {"A": 1}}'
bad "env entry without =" 400 "env[0]" POST /v1/templates/counter/workers -d '{"name": "e1", "env": ["AB"]}'
bad "args not strings" 400 "args[0]: expected string" POST /v1/templates/counter/workers -d '{"name": "e1", "args": [1]}'
bad "args not array" 400 "args: expected array" POST /v1/templates/counter/workers -d '{"name": "e1", "args": "x"}'
bad "worker unknown field" 400 "nam: unknown field" POST /v1/templates/counter/workers -d '{"nam": "e1"}'
bad "resume not interrupted" 409 "not interrupted" POST "$W/resume"
bad "status filter unknown" 400 "'status'" GET "/v1/templates/counter/workers?status=bogus"
bad "oplog count zero" 400 "'count'" GET "$W/oplog?count=0"
bad "oplog count text" 400 "expected an unsigned integer" GET "$W/oplog?count=abc"
bad "oplog from negative" 400 "'from'" GET "$W/oplog?from=-1"
bad "missing function" 400 "missing query parameter 'function'" POST "$W/invoke-and-await" -d '{"params":[]}'
bad "idempotency key too long" 400 "Idempotency-Key" POST "$IAW" -H "Idempotency-Key: $(printf 'k%.0s' $(seq 100))" -d '{"params":[1]}'
bad "idempotency key with space" 400 "Idempotency-Key" POST "$IAW" -H 'Idempotency-Key: a b' -d '{"params":[1]}'

after="$(state)"
eq "stored state unchanged by bad requests" "$after" "$before"
stop_server TERM

# --- the bearer token
echo "s3cret-token" >"$WORK/token"
LOAM_TOKEN=s3cret-token start_server "$WORK/data" --token-file "$WORK/token" || exit 1
HEALTH_AUTH=(-H 'Authorization: Bearer s3cret-token')
bad "no token" 401 "bearer token" GET /v1/templates
bad "no token on healthz" 401 "bearer token" GET /healthz
bad "wrong token" 401 "bearer token" GET /v1/templates -H 'Authorization: Bearer wrong'
bad "token prefix" 401 "bearer token" GET /v1/templates -H 'Authorization: Bearer s3cret'
bad "basic auth" 401 "bearer token" GET /v1/templates -u user:s3cret-token
bad "no token on invoke" 401 "bearer token" POST "$IAW" -d '{"params":[1]}'
http GET /healthz -H 'Authorization: Bearer s3cret-token'
eq "token accepted" "$STATUS" 200
out="$(LOAM_TOKEN=s3cret-token "$L" worker invoke-and-await counter/c1 get)"
eq "CLI with LOAM_TOKEN" "$out" 1
"$L" worker invoke-and-await counter/c1 get 2>"$WORK/err"
contains "CLI without token" "$(cat "$WORK/err")" "HTTP 401"
stop_server TERM
echo "errors.sh: $KINDS kinds of bad request"
finish
