# Checks the running server against its own OpenAPI document with
# Schemathesis (from PyPI, in its own virtualenv under .tools/): a fresh user
# with an API token calls every documented operation with generated input.
# Source it after common.sh and python_tools.sh.
# shellcheck shell=bash

SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_VENV="$ROOT/.tools/schemathesis"

# Prints the installed schemathesis version, or nothing.
schemathesis_installed_version() {
  python_tool_version "$SCHEMATHESIS_VENV" schemathesis
}

# Installs schemathesis at the pinned version unless it is already there
# (about 20 s). Callers say so first.
schemathesis_install() {
  python_tool_install "$SCHEMATHESIS_VENV" schemathesis "$SCHEMATHESIS_VERSION"
}

# Seconds one Schemathesis run may take before it is interrupted (it then
# still prints what it found). A run takes about 20 s on 2 cores
# against a server whose offline model answers at once (scripts/test).
CONTRACT_CHECK_TIMEOUT="${CONTRACT_CHECK_TIMEOUT:-150}"
# The same generated requests on every run, so a red CI run replays exactly;
# CONTRACT_CHECK_SEED=random explores new ones (the report prints the seed).
CONTRACT_CHECK_SEED="${CONTRACT_CHECK_SEED:-20261202}"

# api_contract_check BASE_URL [DIR]: checks the server at BASE_URL against
# its /api/openapi.json as a freshly signed-up user with an API token. Keeps
# every file it writes (cookie jar, reports) in DIR, or in a temporary folder
# it removes. Fails when Schemathesis finds anything.
#
# The body is a subshell: it changes folder and traps its own exit, and `die`
# inside ends only the check. Every step checks its own status, because
# `set -e` does nothing in a function called as `api_contract_check … || …`.
api_contract_check() (
  local base_url="${1%/}" dir="${2:-}"
  [ -n "$base_url" ] || die "usage: api_contract_check BASE_URL [DIR]"
  [ "$(schemathesis_installed_version)" = "$SCHEMATHESIS_VERSION" ] \
    || die "schemathesis $SCHEMATHESIS_VERSION is not installed; run scripts/setup"
  if [ -z "$dir" ]; then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/agents-platform-contract.XXXXXX")" || die "could not make a temporary folder"
    trap 'rm -rf "$dir"' EXIT
  fi
  # Hypothesis and Schemathesis keep caches (.hypothesis/, .schemathesis/) in
  # the working folder whatever the options say.
  { mkdir -p "$dir" && cd "$dir"; } || die "cannot work in $dir"

  say "signing up a user for the contract check"
  local email password
  email="contract-$(random_hex 8)@example.com"
  password="contract-check-$(random_hex 12)"
  # A server function takes a form body and answers with the session cookie.
  # curl sends neither Origin nor Sec-Fetch-Site, which the CSRF guard lets
  # through: only browsers send them, and only browsers hold victims' cookies.
  contract_request POST "$base_url/fn/sign_up" --cookie-jar cookies \
    --data-urlencode "email=$email" --data-urlencode "display_name=Contract check" \
    --data-urlencode "password=$password" >/dev/null || exit 1
  grep -qs agents_session cookies || die "signing up set no session cookie"

  # Only a session may create a token.
  local secret
  secret="$(contract_request POST "$base_url/api/tokens" --cookie cookies \
    --json '{"name": "contract check"}' | json_field secret)" || exit 1
  [ -n "$secret" ] || die "the new API token has no secret"
  (umask 077 && printf 'Authorization: Bearer %s\n' "$secret" >auth-header)

  # Real rows, so ids Schemathesis reads from list answers lead somewhere.
  local project_id
  project_id="$(contract_request POST "$base_url/api/projects" --header @auth-header \
    --json '{"name": "Contract check", "description": "Made by the API contract check"}' \
    | json_field id)" || exit 1
  local spec_id
  spec_id="$(contract_request POST "$base_url/api/specs" --header @auth-header \
    --json "{\"name\": \"Contract check\", \"content\": \"# Contract check\\n\\nA spec to read.\\n\", \"project_id\": \"$project_id\"}" \
    | json_field id)" || exit 1
  # A second version, so a comparison of versions 1 and 2 has both.
  contract_request PATCH "$base_url/api/specs/$spec_id" --header @auth-header \
    --json '{"content": "# Contract check\n\nA spec to read, and to compare.\n"}' >/dev/null || exit 1

  # Nothing in the document links to a build or a chat, so Schemathesis is
  # told their ids (as well as random ones): the operations on them then
  # reach their logic, not only the 404 for an unknown id. (It also tries
  # these ids on other operations, deleting included, so what it calls
  # after deleting one meets a 404 again.)
  local build_id chat_id reply_id
  build_id="$(contract_request POST "$base_url/api/builds" --header @auth-header \
    --json "{\"spec_id\": \"$spec_id\"}" | json_field id)" || exit 1
  # Ended before the run, so the operations on it meet the same build every
  # run: its streams replay and close (a running or paused one would hold each
  # request until the client's timeout), and pausing or resuming it is refused.
  contract_ended_build "$base_url" "$build_id" || exit 1
  # A chat whose reply holds a spec (the offline assistant writes one at
  # once when asked to), so saving that spec can succeed.
  chat_id="$(contract_request POST "$base_url/api/chats" --header @auth-header \
    --json '{"message": "A todo app, to check the API. Just write the spec."}' | json_field id)" || exit 1
  reply_id="$(contract_finished_reply "$base_url" "$chat_id")" || exit 1
  cat >schemathesis.toml <<TOML || die "could not write the Schemathesis configuration"
[dictionaries.specs]
values = ["$spec_id"]
[dictionaries.versions]
values = [1, 2]
[dictionaries.builds]
values = ["$build_id"]
[dictionaries.chats]
values = ["$chat_id"]
[dictionaries.replies]
values = ["$reply_id"]

# Each include key is a filter of its own, and any one selects; a path and a
# method that must go together are one filter, as two regular expressions.
[[operations]]
include-path-regex = "^/api/builds$"
include-method-regex = "^post$"
parameters = { "body.spec_id" = { dictionary = "specs", probability = 0.5 } }

[[operations]]
include-path-regex = "^/api/builds/\\\\{id\\\\}"
parameters = { "path.id" = { dictionary = "builds", probability = 0.5 } }

[[operations]]
include-path-regex = "^/api/chats/\\\\{id\\\\}"
exclude-path = "/api/chats/{id}/specs"
parameters = { "path.id" = { dictionary = "chats", probability = 0.5 } }

[[operations]]
include-path = "/api/chats/{id}/specs"
parameters = { "path.id" = { dictionary = "chats", probability = 0.5 }, "body.message_id" = { dictionary = "replies", probability = 0.5 } }

[[operations]]
include-path = "/api/specs/{id}/diff"
parameters = { "path.id" = { dictionary = "specs", probability = 0.5 }, "query.from" = { dictionary = "versions", probability = 0.5 }, "query.to" = { dictionary = "versions", probability = 0.5 } }
TOML

  say "checking the API against its OpenAPI document (at most ${CONTRACT_CHECK_TIMEOUT}s)"
  local status=0 seed=()
  [ "$CONTRACT_CHECK_SEED" = random ] || seed=(--seed "$CONTRACT_CHECK_SEED")
  # SIGINT, not TERM: Schemathesis stops as on Ctrl-C and still reports.
  # The document names no server, hence --url. Only the token authenticates:
  # no generated session cookie beside it. A 404 for a random id counts as
  # accepted input, so positive_data_acceptance flags only real refusals
  # (400/422) of documented-valid input. The request timeout also ends the
  # event streams (builds/{id}/stream, chats/{id}/reply). One worker:
  # CPython 3.11's ast module is not thread-safe, and Hypothesis parses
  # source in every worker thread ("AST constructor recursion depth mismatch").
  timeout --signal=INT --kill-after=15 "$CONTRACT_CHECK_TIMEOUT" \
    "$SCHEMATHESIS_VENV/bin/st" --config-file schemathesis.toml run "$base_url/api/openapi.json" \
    --url "$base_url" \
    --header "Authorization: Bearer $secret" \
    --generation-with-security-parameters false \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,positive_data_acceptance \
    --max-examples 20 \
    --continue-on-failure \
    --request-timeout 5 \
    --workers 1 \
    "${seed[@]}" \
    --generation-database none \
    --report junit --report-dir "$dir/report" \
    --no-color </dev/null || status=$?
  case "$status" in
    0) ;;
    124 | 137) die "Schemathesis did not finish within ${CONTRACT_CHECK_TIMEOUT}s" ;;
    *) die "the API does not match its OpenAPI document (Schemathesis exited with $status)" ;;
  esac
)

# contract_request METHOD URL CURL_ARGS...: prints the answer's body; fails
# with its status and body unless it is 2xx. Run inside api_contract_check's
# folder (the body passes through a file there).
contract_request() {
  local method="$1" url="$2" code
  shift 2
  code="$(curl -sS -o response -w '%{http_code}' -X "$method" "$@" "$url")" \
    || die "$method $url: no answer"
  case "$code" in
    2??) cat response ;;
    *) die "$method $url answered $code: $(head -c 500 response)" ;;
  esac
}

# Prints one top-level member of the JSON object on standard input.
json_field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

random_hex() {
  head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# contract_ended_build BASE_URL BUILD_ID: follows the build's event stream
# (at most 180 s) until its `complete` event: the build has ended and its
# archive is settled.
contract_ended_build() {
  local base_url="$1" build_id="$2"
  curl -sS --no-buffer --max-time 180 -o build-stream --header @auth-header \
    "$base_url/api/builds/$build_id/stream" || true
  grep -qs '^event: complete' build-stream \
    || die "the contract check's build did not end within 180 s"
}

# contract_finished_reply BASE_URL CHAT_ID: waits (at most 30 s) for the
# chat's reply to be written and prints its message id.
contract_finished_reply() {
  local base_url="$1" chat_id="$2" reply_id=""
  for _ in $(seq 60); do
    reply_id="$(contract_request GET "$base_url/api/chats/$chat_id" --header @auth-header | python3 -c '
import json, sys
replies = [m for m in json.load(sys.stdin)["messages"] if m["role"] == "assistant" and m["status"] == "complete"]
print(replies[-1]["id"] if replies else "")')" || return 1
    [ -z "$reply_id" ] || break
    sleep 0.5
  done
  [ -n "$reply_id" ] || die "the chat's reply was not written within 30 s"
  printf '%s\n' "$reply_id"
}
