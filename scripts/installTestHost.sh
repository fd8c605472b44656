#!/usr/bin/env bash
# Installs what the in-host and browser tests need on a fresh Debian 12 machine (vscode-host.md):
# Debian's chromium, libkrb5-dev (kerberos build inside code-server) and ripgrep (seeds the
# @vscode/ripgrep download that would otherwise go to GitHub), then code-server 4.100.3 (VS Code 1.100,
# Node 20) into the ignored .vscode-test/code-server/. Both steps are skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
HOST_DIR=.vscode-test/code-server
APT_PACKAGES=(chromium libkrb5-dev ripgrep)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installTestHost: apt-get install ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
fi

bin="$HOST_DIR/node_modules/.bin/code-server"
tmp="$PWD/.vscode-test/tmp"
if [ -x "$bin" ] && installed=$(XDG_CONFIG_HOME="$tmp/xdg" XDG_DATA_HOME="$tmp/xdg" "$bin" --config /dev/null --version 2>/dev/null | head -1) \
  && [[ "$installed" == "$CODE_SERVER_VERSION"* ]]; then
  echo "installTestHost: code-server $installed already installed"
  exit 0
fi

started=$(date +%s)
rm -rf "$HOST_DIR" "$tmp"
mkdir -p "$HOST_DIR" "$tmp/vscode-ripgrep-cache-1.15.11"
# @vscode/ripgrep 1.15.11 (pinned by code-server) downloads rg from GitHub unless its cache holds this tarball.
tar czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
echo '{"name":"markov-lens-test-host","private":true}' > "$HOST_DIR/package.json"
# unsafe_perm: postinstall.sh refuses root otherwise; yes: node-pty's postinstall runs `npx node-gyp`.
(cd "$HOST_DIR" && TMPDIR="$tmp" npm_config_yes=true npm_config_unsafe_perm=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
rm -rf "$tmp"
echo "installTestHost: code-server $CODE_SERVER_VERSION installed in $(( $(date +%s) - started ))s"
