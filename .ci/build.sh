#!/usr/bin/env bash
# Release build without cargo-leptos: the wasm bundle (size profile) → wasm-bindgen →
# wasm-opt → the server binary → the site folder (target/site) the server serves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/tools.sh build

log() { printf '\033[1;34m[build]\033[0m %s\n' "$*"; }
staging=target/site.staging
rm -rf "$staging" && mkdir -p "$staging/pkg"

log "browser bundle (wasm32, profile wasm-release)"
cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
# Lazy routes: cut the bundle at its split points into the main module and one chunk per
# page (the link keeps relocations for this, see .cargo/config.toml), then bind the main
# module and shrink every module.
target/wasm-split/release/switchboard-wasm-split split \
  target/wasm32-unknown-unknown/wasm-release/frontend.wasm "$staging/pkg" switchboard
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --out-name switchboard --out-dir "$staging/pkg" "$staging/pkg/switchboard_split.wasm"
rm "$staging/pkg/switchboard_split.wasm"
# Two checked cuts to the main module (see .ci/wasm-split/src/trim.rs): the glue's imports
# lose wasm-bindgen's hash suffixes, and float formatting, linked only for serde's error texts,
# is dropped.
target/wasm-split/release/switchboard-wasm-split trim "$staging/pkg" switchboard
for module in "$staging"/pkg/*.wasm; do
  end2end/node_modules/.bin/wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-producers --strip-target-features \
    "$module" -o "$module"
done
# A first visit fetches the chunks of its page as one file, compressed as one stream (the
# conversation view's and the search results' packs leave out what the Inbox's brings: they
# open inside the Inbox).
target/wasm-split/release/switchboard-wasm-split pack "$staging/pkg" \
  thread_pane=__inbox_route_view search_results=__inbox_route_view profile_details=thread_pane
# Each pack also compressed against the main module (a brotli dictionary, RFC 9842): the
# server answers a browser that holds the main module with it, about an eighth smaller.
target/wasm-split/release/switchboard-wasm-split dictionary "$staging/pkg" switchboard_bg.wasm
# The JS glue and the chunk loader are generated readable; every page loads both.
for script in "$staging/pkg/switchboard.js" "$staging"/pkg/__wasm_split.*.js; do
  end2end/node_modules/.bin/terser "$script" --module --compress passes=2 --mangle -o "$script"
done
# The stylesheet without its comments and indentation (none of its strings holds a "/*").
node -e '
  const fs = require("fs"), css = fs.readFileSync(process.argv[1], "utf8");
  if ((css.match(/"[^"\n]*"/g) || []).some((s) => s.includes("/*"))) throw new Error("a CSS string holds /*");
  const lines = css.replace(/\/\*[\s\S]*?\*\//g, "").split("\n").map((l) => l.trim()).filter(Boolean);
  fs.writeFileSync(process.argv[2], lines.join("\n") + "\n");' style/main.css "$staging/pkg/switchboard.css"

# Pre-compressed copies, served as-is by the server when the browser accepts them.
node -e '
  const fs = require("fs"), zlib = require("zlib"), dir = process.argv[1];
  for (const f of fs.readdirSync(dir)) {
    if (!/\.(wasm|js|css)$/.test(f)) continue;
    const raw = fs.readFileSync(`${dir}/${f}`);
    const gz = zlib.gzipSync(raw, { level: 9 });
    const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
    fs.writeFileSync(`${dir}/${f}.gz`, gz);
    fs.writeFileSync(`${dir}/${f}.br`, br);
    if (f.endsWith(".wasm")) console.log(`[build] ${f}: ${(raw.length/1024).toFixed(1)} KB raw, ${(gz.length/1024).toFixed(1)} KB gzip, ${(br.length/1024).toFixed(1)} KB brotli`);
  }' "$staging/pkg"

log "server (release)"
cargo build --locked -p switchboard --release

# Swap the finished site in at once so a half-built bundle is never served.
rm -rf target/site && mv "$staging" target/site
log "done: target/release/switchboard + target/site"
