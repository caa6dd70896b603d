#!/usr/bin/env bash
# Installs Lowkey Vault (an Azure Key Vault test double, a Spring Boot jar) from Maven Central into
# the peer cache: $1/lowkey-vault/lowkey-vault-app.jar, stamped $1/lowkey-vault.stamp.
#
# NOT ENABLED (this file is deliberately not executable, so test/peers/install.sh skips it): the
# runnable app artifact com.github.nagyesta.lowkey-vault:lowkey-vault-app is not served by the Maven
# Central this machine reaches (only lowkey-vault-client is), and no other reachable registry ships
# Lowkey Vault. `chmod +x` it once the artifact can be resolved.
set -euo pipefail

PEERS_DIR=${1:?usage: install-lowkey.sh PEERS_DIR}
# 3.4.x: the last line that runs on Java 17 (later lines need Java 21/25).
LOWKEY_VERSION="${LOWKEY_VERSION:-3.4.0}"
COORDS="com.github.nagyesta.lowkey-vault:lowkey-vault-app:$LOWKEY_VERSION:jar"
DEST="$PEERS_DIR/lowkey-vault"
LOG="$PEERS_DIR/logs/install-lowkey-vault.log"
STAMP="$PEERS_DIR/lowkey-vault.stamp"
mkdir -p "$DEST" "$PEERS_DIR/logs"

say() { printf '[peers] %s\n' "$*"; }
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOWKEY_VERSION" ] && [ -f "$DEST/lowkey-vault-app.jar" ]; then
  say "lowkey-vault $LOWKEY_VERSION: cached"
  exit 0
fi
t0=$SECONDS
: >"$LOG"
say "lowkey-vault $LOWKEY_VERSION: fetching from Maven Central…"
cmd=(mvn -B -q dependency:copy "-Dartifact=$COORDS" "-DoutputDirectory=$DEST" -Dmdep.stripVersion=true)
if ! (cd "$DEST" && "${cmd[@]}") >>"$LOG" 2>&1; then
  printf '[peers] FAILED: lowkey-vault\n  command: %s\n  log: %s\n' "${cmd[*]}" "$LOG" >&2
  tail -n 25 "$LOG" >&2 || true
  printf '  what to do: check that Maven Central serves %s (java -version must be >= 17), then re-run %s %s\n' \
    "$COORDS" "$0" "$PEERS_DIR" >&2
  exit 1
fi
command -v keytool >/dev/null || { printf '[peers] FAILED: lowkey-vault\n  command: keytool\n  what to do: install a JDK 17+ (keytool makes its TLS certificate)\n' >&2; exit 1; }
printf '%s' "$LOWKEY_VERSION" >"$STAMP"
say "lowkey-vault $LOWKEY_VERSION: ready ($((SECONDS - t0)) s)"
