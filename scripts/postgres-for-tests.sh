# shellcheck shell=bash
# Sourced by `bash scripts/facetrainer.sh test` before pytest: a throwaway PostgreSQL server
# for the storage tests, on a Unix socket in a temporary folder (no TCP port), stopped and
# removed when the test command exits. Exports FACETRAINER_TEST_PG_URL.
# Installs Debian's postgresql when missing (as root, or with sudo). Without it the
# PostgreSQL tests skip with a reason, except under CI=true, where they fail instead.

_ft_pg_say() { printf '\033[1mfacetrainer (postgres):\033[0m %s\n' "$*" >&2; }

_ft_pg_bindir() {
  local c
  c=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$c" ] && [ -x "$c/pg_ctl" ]; then echo "$c"; return 0; fi
  c=$(command -v pg_ctl 2>/dev/null) && { dirname "$c"; return 0; }
  return 1
}

_ft_pg_as_owner() {  # run a server command as the unprivileged owner of the data folder
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_ft_pg_stop() {
  if [ -n "${_FT_PG_DIR:-}" ] && [ -d "$_FT_PG_DIR" ]; then
    _ft_pg_as_owner "$_FT_PG_BIN/pg_ctl" -D "$_FT_PG_DIR/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
    rm -rf "$_FT_PG_DIR"
  fi
  _FT_PG_DIR=""
}

_ft_pg_on_exit() {  # our clean-up, then whatever EXIT trap was set before us
  local rc=$?
  _ft_pg_stop
  if [ -n "${_FT_PG_PREV_EXIT_TRAP:-}" ]; then eval "$_FT_PG_PREV_EXIT_TRAP"; fi
  return $rc
}

_ft_pg_start() {
  if [ -n "${FACETRAINER_TEST_PG_URL:-}" ]; then
    _ft_pg_say "using the server in FACETRAINER_TEST_PG_URL"; return 0
  fi
  if ! _ft_pg_bindir >/dev/null; then
    if command -v apt-get >/dev/null; then
      _ft_pg_say "installing Debian's postgresql for the storage tests"
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo -n"
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql >/dev/null 2>&1 || _ft_pg_say "could not install postgresql"
    fi
  fi
  _FT_PG_BIN=$(_ft_pg_bindir) || {
    _ft_pg_say "PostgreSQL not available: its tests will skip (fail under CI=true)"; return 0; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    _ft_pg_say "no 'postgres' user to run the server as (postgres refuses root)"; return 0
  fi
  _FT_PG_DIR=$(mktemp -d /tmp/facetrainer-pg.XXXXXX)
  chmod 0755 "$_FT_PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$_FT_PG_DIR"
  # Chain the EXIT trap before anything can fail, so the folder never outlives the run.
  local prev
  prev=$(trap -p EXIT)
  if [ -n "$prev" ]; then eval "set -- $prev"; _FT_PG_PREV_EXIT_TRAP=$3; fi
  trap _ft_pg_on_exit EXIT
  [ -z "$(trap -p INT)" ] && trap 'exit 130' INT
  [ -z "$(trap -p TERM)" ] && trap 'exit 143' TERM
  if ! _ft_pg_as_owner "$_FT_PG_BIN/initdb" -D "$_FT_PG_DIR/data" -U postgres \
       --auth=trust -E UTF8 --no-sync >"$_FT_PG_DIR/initdb.log" 2>&1; then
    _ft_pg_say "initdb failed: $(tail -n 3 "$_FT_PG_DIR/initdb.log")"; _ft_pg_stop; return 0
  fi
  if ! _ft_pg_as_owner "$_FT_PG_BIN/pg_ctl" -D "$_FT_PG_DIR/data" -l "$_FT_PG_DIR/server.log" \
       -o "-k $_FT_PG_DIR -c listen_addresses= -c fsync=off -c full_page_writes=off" \
       -w -t 60 start >/dev/null 2>&1; then
    _ft_pg_say "the server did not start: $(tail -n 3 "$_FT_PG_DIR/server.log" 2>/dev/null)"
    _ft_pg_stop; return 0
  fi
  if ! _ft_pg_as_owner "$_FT_PG_BIN/createdb" -h "$_FT_PG_DIR" -U postgres facetrainer_test \
       >/dev/null 2>&1; then
    _ft_pg_say "createdb failed"; _ft_pg_stop; return 0
  fi
  export FACETRAINER_TEST_PG_URL="postgresql+psycopg2://postgres@/facetrainer_test?host=$_FT_PG_DIR"
  _ft_pg_say "throwaway server on $_FT_PG_DIR (removed on exit)"
}

_ft_pg_start
