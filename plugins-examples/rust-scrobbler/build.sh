#!/bin/sh
# Builds plugin.wasm from src/ with Debian 12's rustc 1.63, cargo and wasm32-wasi standard library
# (libstd-rust-dev-wasm32), its messages generated from the repository's proto/ by prost-build
# (librust-prost-build-dev) with Debian's protoc, offline from the crates Debian installs
# (.cargo/config.toml). `npm run build:plugins` runs it (docs/abi.md, "Compatibility").
#
# A cdylib: no start function; malloc and free are wasi-libc's, exported for the host.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build="$here/build"
mkdir -p "$build"
# cargo finds .cargo/config.toml from the working directory. Debian's tools by path: a rustup
# toolchain earlier in PATH would be another version with other crates.
cd "$here"
RUSTC=/usr/bin/rustc PROTOC=/usr/bin/protoc CARGO_TARGET_DIR="$build/target" \
  /usr/bin/cargo build --quiet --release --target wasm32-wasi
# Replaced in one step, so a failed build never leaves a half-written plugin.wasm.
cp "$build/target/wasm32-wasi/release/rust_scrobbler.wasm" "$build/plugin.wasm"
mv "$build/plugin.wasm" "$here/plugin.wasm"
