#!/usr/bin/env bash
# Builds the `helm` binary from the Go module proxy into the peer cache, the way
# test/peers/install.sh builds the Go peers: a throw-away wrapper module pins helm as a tool
# dependency, then GOTOOLCHAIN=local CGO_ENABLED=0 go build. Idempotent (stamp file).
#
#   test/deploy/install-helm.sh      → ${KSEAL_PEERS_DIR:-$HOME/.cache/kseal/peers}/bin/helm
set -euo pipefail

PEERS_DIR="${KSEAL_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kseal/peers}"
BIN="$PEERS_DIR/bin"
SRC="$PEERS_DIR/src/helm"
LOG="$PEERS_DIR/logs/install-helm.log"
mkdir -p "$BIN" "$PEERS_DIR/logs"

# Pinned: its go.mod `go` line is satisfied by Go 1.26.
HELM_VERSION=v3.19.5
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

say() { printf '[helm] %s\n' "$*"; }
if [ -x "$BIN/helm" ] && [ -f "$PEERS_DIR/helm.stamp" ] && [ "$(cat "$PEERS_DIR/helm.stamp")" = "$HELM_VERSION" ]; then
  say "helm $HELM_VERSION: cached"
  exit 0
fi
t0=$SECONDS
: >"$LOG"
say "helm $HELM_VERSION: building from the Go module proxy (a few minutes the first time)…"
run() {
  if ! "$@" >>"$LOG" 2>&1; then
    printf '[helm] FAILED: %s\n  log: %s\n' "$*" "$LOG" >&2
    tail -n 25 "$LOG" >&2 || true
    exit 1
  fi
}
rm -rf "$SRC" && mkdir -p "$SRC"
run bash -c "cd '$SRC' && go mod init kseal.local/peer-helm"
run bash -c "cd '$SRC' && go get -tool 'helm.sh/helm/v3/cmd/helm@$HELM_VERSION'"
run bash -c "cd '$SRC' && go build -trimpath -ldflags '-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION' -o '$BIN/helm' helm.sh/helm/v3/cmd/helm"
printf '%s' "$HELM_VERSION" >"$PEERS_DIR/helm.stamp"
say "helm $HELM_VERSION: ready ($((SECONDS - t0)) s)"
