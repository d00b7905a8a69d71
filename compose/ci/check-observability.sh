#!/usr/bin/env bash
# Checks the Prometheus kit against the running application, with a real Prometheus (no Docker needed):
#   1. installs prometheus/promtool, jq and curl from the distribution's packages when missing (apt-get, root);
#   2. promtool check config (the shipped prometheus.yml, rules path pointed at the repo's rules) and check rules;
#   3. starts the application on embedded defaults (./clearinghouse dev, free ports, a temporary data directory);
#   4. starts Prometheus with the shipped scrape config pointed at it and the shipped rules, 2 s intervals;
#   5. asserts through Prometheus's HTTP API that the clearinghouse target is up and that, after two evaluation
#      rounds, every rule evaluates without error.
# Always stops both processes and removes its temporary directory; exits non-zero with a message on any failure.
# Run by .ci/run after ./mvnw verify (which built the launcher); locally: compose/ci/check-observability.sh
# Environment: KEEP_TMP=1 keeps the temporary directory (logs, rewritten config); JAVA_OPTS for the application.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROM_DIR="$ROOT/compose/prometheus"
INTERVAL=2                     # seconds: scrape and evaluation interval of the CI run (the shipped file says 15s)
APP_READY_TIMEOUT=90           # seconds for the application to answer /observe/health with 200
PROM_TIMEOUT=30                # seconds for each Prometheus wait (ready, target up, two evaluation rounds)

log() { printf '[observability] %s\n' "$*"; }
failed=""
logs="app prometheus" # the logs worth printing when the check fails at this stage
fail() {
  failed="$*"
  exit 1
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/clearinghouse-observability.XXXXXX")"
app_pid=""
prom_pid=""

# stop a process we started: TERM, a bounded wait, then KILL
stop() {
  local pid="$1" name="$2"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.5
  done
  log "$name (pid $pid) did not stop within 20 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# the dev run prints generated throwaway tokens; never copy them into the CI log
redact() { sed -E 's/(dev-(webhook-)?)[0-9a-f]{32}/\1<redacted>/g'; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ]; then
    if [[ " $logs " == *" app "* ]] && [ -s "$tmp/app.log" ]; then
      echo "---- application log (last 40 lines) ----" >&2
      tail -n 40 "$tmp/app.log" | redact >&2
    fi
    if [[ " $logs " == *" prometheus "* ]] && [ -s "$tmp/prometheus.log" ]; then
      echo "---- prometheus log (last 20 lines) ----" >&2
      tail -n 20 "$tmp/prometheus.log" >&2
    fi
  fi
  stop "$prom_pid" prometheus
  stop "$app_pid" clearinghouse
  if [ -n "${KEEP_TMP:-}" ]; then
    log "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  if [ "$rc" -ne 0 ]; then
    printf '[observability] FAILED: %s\n' "${failed:-exit status $rc}" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'failed="interrupted"; exit 130' INT TERM

started=$SECONDS

# ---- 1. tools --------------------------------------------------------------------------------------------------------
missing=()
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get: install them and run again"
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: run as root, or: sudo apt-get install prometheus jq curl"
  log "installing ${missing[*]} from the distribution's packages"
  # the package may also enable and start its own service (on :9090, /var/lib/prometheus): this check never uses it,
  # it runs its own Prometheus on a free port with a temporary storage directory
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >"$tmp/apt.log" 2>&1 || { tail -n 20 "$tmp/apt.log" >&2; fail "apt-get update failed"; }
  apt-get install -y --no-install-recommends "${missing[@]}" >>"$tmp/apt.log" 2>&1 \
    || { tail -n 20 "$tmp/apt.log" >&2; fail "apt-get install ${missing[*]} failed"; }
fi
log "$(prometheus --version 2>&1 | head -n 1)"

# ---- 2. promtool -----------------------------------------------------------------------------------------------------
[ -f "$PROM_DIR/prometheus.yml" ] || fail "no $PROM_DIR/prometheus.yml"
shopt -s nullglob
rule_files=("$PROM_DIR"/rules/*.yml)
shopt -u nullglob
[ "${#rule_files[@]}" -gt 0 ] || fail "no alert rules: compose/prometheus/rules/*.yml matches nothing"
mkdir -p "$tmp/rules"
cp "${rule_files[@]}" "$tmp/rules/"

# rewrite one line pattern of the shipped file; fail if it is not there (the file changed shape: update this script)
rewrite() {
  local file="$1" from="$2" to="$3"
  grep -qE "$from" "$file" || fail "compose/prometheus/prometheus.yml has no line matching '$from' to rewrite"
  sed -E -i "s#$from#$to#" "$file"
}

# as shipped, but the rules from the repository instead of /etc/prometheus/rules (where Compose mounts them)
cp "$PROM_DIR/prometheus.yml" "$tmp/check.yml"
rewrite "$tmp/check.yml" '^( *- *)/etc/prometheus/rules/' "\1$tmp/rules/"
promtool check config "$tmp/check.yml" >"$tmp/promtool.log" 2>&1 \
  || { cat "$tmp/promtool.log" >&2; fail "promtool check config rejected compose/prometheus/prometheus.yml"; }
promtool check rules "${rule_files[@]}" >"$tmp/promtool-rules.log" 2>&1 \
  || { cat "$tmp/promtool-rules.log" >&2; fail "promtool check rules rejected compose/prometheus/rules/"; }
# promtool prints "SUCCESS: N rules found" per file: the total Prometheus must load (0 = format unknown, not checked)
expected_rules=$({ grep -oE 'SUCCESS: [0-9]+ rules found' "$tmp/promtool-rules.log" || true; } | awk '{n += $2} END {print n + 0}')
log "promtool: config valid; ${#rule_files[@]} rule file(s), $expected_rules rule(s) valid"

# ---- 3. the application ----------------------------------------------------------------------------------------------
# five consecutive free ports below the ephemeral range: API, management, Kafka (+1 for its controller), Prometheus
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
base=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 12000))
  ok=1
  for p in $(seq "$candidate" $((candidate + 4))); do
    if port_in_use "$p"; then ok=0; break; fi
  done
  if [ "$ok" = 1 ]; then base=$candidate; break; fi
done
[ -n "$base" ] || fail "found no five consecutive free ports on 127.0.0.1"
http_port=$base management_port=$((base + 1)) kafka_port=$((base + 2)) prom_port=$((base + 4))

log "starting the application (./clearinghouse dev, management port $management_port)"
(cd "$tmp" && JAVA_OPTS="${JAVA_OPTS:--Xmx512m}" exec "$ROOT/clearinghouse" dev --data-dir "$tmp/data" \
  --http-port "$http_port" --management-port "$management_port" --kafka-port "$kafka_port") >"$tmp/app.log" 2>&1 &
app_pid=$!

health="http://127.0.0.1:$management_port/observe/health"
code=000
deadline=$((SECONDS + APP_READY_TIMEOUT))
for _ in $(seq 1 "$APP_READY_TIMEOUT"); do
  kill -0 "$app_pid" 2>/dev/null || fail "the application exited during start-up (log above)"
  code=$(curl -s -m 2 -o "$tmp/health.json" -w '%{http_code}' "$health" || true)
  [ "$code" = 200 ] || [ "$SECONDS" -ge "$deadline" ] && break
  sleep 1
done
[ "$code" = 200 ] || fail "$health did not answer 200 within ${APP_READY_TIMEOUT} s (last: $code $(cat "$tmp/health.json" 2>/dev/null || true))"
log "application healthy after $((APP_READY_TIMEOUT - deadline + SECONDS)) s: $(jq -c '[.checks[] | "\(.name)=\(.status)"]' "$tmp/health.json" 2>/dev/null || echo UP)"

# a little traffic of our own besides the replayed samples (which include dead letters): an unauthenticated
# /authorize call, refused with 401
curl -s -m 5 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' \
  "http://127.0.0.1:$http_port/authorize" || true

# ---- 4. Prometheus ---------------------------------------------------------------------------------------------------
cp "$tmp/check.yml" "$tmp/prometheus.yml"
rewrite "$tmp/prometheus.yml" '^( *- *)clearinghouse:9876 *$' "\1127.0.0.1:$management_port"
rewrite "$tmp/prometheus.yml" '^( *)scrape_interval: *[0-9]+[a-z]+' "\1scrape_interval: ${INTERVAL}s"
rewrite "$tmp/prometheus.yml" '^( *)evaluation_interval: *[0-9]+[a-z]+' "\1evaluation_interval: ${INTERVAL}s"
if grep -qE '^ *scrape_timeout:' "$tmp/prometheus.yml"; then
  rewrite "$tmp/prometheus.yml" '^( *)scrape_timeout: *[0-9]+[a-z]+' "\1scrape_timeout: ${INTERVAL}s"
fi
promtool check config "$tmp/prometheus.yml" >"$tmp/promtool.log" 2>&1 \
  || { cat "$tmp/promtool.log" >&2; fail "the rewritten CI config is invalid (this script's rewrite is wrong)"; }

log "starting Prometheus on 127.0.0.1:$prom_port (scrape and evaluation every ${INTERVAL} s)"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
api="http://127.0.0.1:$prom_port"

# poll until a jq filter over an API answer prints "true" (jq options after the filter); bounded by PROM_TIMEOUT
await() {
  local path="$1" filter="$2" until=$((SECONDS + PROM_TIMEOUT))
  shift 2
  for _ in $(seq 1 $((PROM_TIMEOUT * 2))); do
    kill -0 "$prom_pid" 2>/dev/null || { logs="prometheus"; fail "Prometheus exited (log above)"; }
    if curl -sf -m 2 -o "$tmp/answer.json" "$api$path" \
      && [ "$(jq -r "$@" "$filter" "$tmp/answer.json" 2>/dev/null)" = true ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$until" ] || return 1
    sleep 0.5
  done
  return 1
}

await "/-/ready" 'true' -R -s || fail "Prometheus was not ready within ${PROM_TIMEOUT} s"

# ---- 5. assertions ---------------------------------------------------------------------------------------------------
logs="app" # a target that is not up: look at the application's side
target='[.data.activeTargets[] | select(.labels.job == "clearinghouse")]'
if ! await "/api/v1/targets?state=active" "$target | length > 0 and all(.[]; .health == \"up\")"; then
  detail=$(jq -c "$target | map({scrapeUrl, health, lastError})" "$tmp/answer.json" 2>/dev/null || echo "no answer")
  fail "the clearinghouse target is not up within ${PROM_TIMEOUT} s: $detail"
fi
log "target up: $(jq -r "$target | map(.scrapeUrl) | join(\", \")" "$tmp/answer.json")"

logs="" # from here on the failure message carries the rule's own error

# two evaluation rounds: wait until every group has been evaluated, then until every group has been evaluated again
never='0001-01-01T00:00:00Z'
await "/api/v1/rules" \
  "(.data.groups | length > 0) and all(.data.groups[]; .lastEvaluation != \"$never\")" \
  || fail "Prometheus loaded no rule group, or did not evaluate every group within ${PROM_TIMEOUT} s"
first=$(jq -c '[.data.groups[] | {key: (.file + "/" + .name), value: .lastEvaluation}] | from_entries' "$tmp/answer.json")
# shellcheck disable=SC2016 # $first is jq's variable
await "/api/v1/rules" \
  'all(.data.groups[]; .lastEvaluation != $first[.file + "/" + .name])' --argjson first "$first" \
  || fail "not every rule group was evaluated a second time within ${PROM_TIMEOUT} s (a group with its own long" \
    "interval: is not; leave evaluation to the global interval)"

rules_json="$tmp/answer.json"
groups=$(jq '.data.groups | length' "$rules_json")
total=$(jq '[.data.groups[].rules[]] | length' "$rules_json")
alerting=$(jq '[.data.groups[].rules[] | select(.type == "alerting")] | length' "$rules_json")
bad=$(jq -r '.data.groups[] | .name as $g | .rules[]
  | select(.health != "ok" or ((.lastError // "") != ""))
  | "  \($g) / \(.name): health \(.health): \(.lastError // "")"' "$rules_json")
[ -z "$bad" ] || fail "rules that do not evaluate cleanly:
$bad"
[ "$total" -gt 0 ] || fail "Prometheus evaluated no rules"
if [ "$expected_rules" -gt 0 ] && [ "$total" != "$expected_rules" ]; then
  fail "promtool found $expected_rules rule(s) in compose/prometheus/rules/ but Prometheus loaded $total"
fi
active=$(jq -r '[.data.groups[].rules[] | select(.type == "alerting" and .state != "inactive")
  | "\(.name) (\(.state))"] | if length == 0 then "none" else join(", ") end' "$rules_json")

log "$total rules evaluated in $groups group(s) ($alerting alerting, $((total - alerting)) recording), all ok"
log "alerts pending or firing against the dev run (informational): $active"
log "passed in $((SECONDS - started)) s"
