#!/usr/bin/env bash
# Installs what the build and the tests need, from package registries only.
# Cold machine: installs everything. Warm machine: checks versions and skips what is present.
# Usage: bash .ci/tools.sh [build|test]   (test also installs Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-build}"

log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*"; }

# Rust's wasm target (rustup reaches the Rust dist server that ships the toolchain).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  log "installing wasm-bindgen-cli $bindgen_version from crates.io (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# The wasm splitter (lazy routes): our small tool over crates.io's wasm_split_cli_support,
# with its own lockfile; a no-op once built.
log "wasm splitter (.ci/wasm-split)"
cargo build --quiet --locked --release --manifest-path .ci/wasm-split/Cargo.toml --target-dir target/wasm-split

# Node packages: Playwright (never its own browser download), npm's binaryen for wasm-opt and
# terser for the generated JS.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ] \
   || [ ! -x end2end/node_modules/.bin/terser ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  log "installing node packages in end2end/"
  (cd end2end && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi

if [ "$want" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
log "tools ready"
