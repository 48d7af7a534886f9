// Builds the examples written in other languages: every plugins-examples/<id>/build.sh, with
// Debian's toolchains (scripts/debian-packages.js names them): C (clang, lld, wasi-libc, nanopb)
// for a folder with nanopb.options, Rust (rustc, cargo, prost) for one with Cargo.toml. Used by
// build-plugins.js.
//
// Without a toolchain's packages its examples are skipped with a line saying which are missing,
// so `npm start` works with Node alone; with CI=true a missing package fails the build instead,
// since .ci/run installs them. The interop tests fail on a missing plugin.wasm either way.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { missingPackages } = require('./debian-packages');
const { nanopbRuntime } = require('./nanopb-runtime');

const root = path.resolve(__dirname, '..');
// The protos the examples generate their messages from.
const PROTOS = ['api.proto', 'host/http/http.proto', 'host/config/config.proto'].map((file) => path.join(root, 'proto', file));

/** How each language's examples are recognised, built and checked for changes. */
const TOOLCHAINS = [
  // nanopb's runtime sources come from `apt-get source` (nanopb-runtime.js), given to build.sh.
  { purpose: 'C plugin example', marker: 'nanopb.options', sources: ['src', 'build.sh', 'nanopb.options'], env: () => ({ NANOPB_RUNTIME: nanopbRuntime() }) },
  { purpose: 'Rust plugin example', marker: 'Cargo.toml', sources: ['src', 'build.sh', 'build.rs', 'Cargo.toml', '.cargo'], env: () => ({}) },
];

/** The examples with a build.sh, each with its toolchain. */
function findNativePlugins() {
  const base = path.join(root, 'plugins-examples');
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(base, entry.name, 'build.sh')))
    .map((entry) => {
      const relFolder = path.join('plugins-examples', entry.name);
      const toolchain = TOOLCHAINS.find(({ marker }) => fs.existsSync(path.join(root, relFolder, marker)));
      if (!toolchain) throw new Error(`build-plugins: ${relFolder}: build.sh, but neither ${TOOLCHAINS.map(({ marker }) => marker).join(' nor ')}`);
      return { relFolder, toolchain };
    })
    .sort((a, b) => a.relFolder.localeCompare(b.relFolder));
}

/** Newest mtime (ms) of the files under `file`, recursively. */
function newest(file) {
  const info = fs.statSync(file);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((name) => newest(path.join(file, name))));
}

function isUpToDate({ relFolder, toolchain }) {
  const folder = path.join(root, relFolder);
  const wasm = path.join(folder, 'plugin.wasm');
  if (!fs.existsSync(wasm)) return false;
  const sources = [...toolchain.sources.map((name) => path.join(folder, name)), __filename, ...PROTOS];
  return fs.statSync(wasm).mtimeMs > Math.max(...sources.filter((file) => fs.existsSync(file)).map(newest));
}

/** Builds what is out of date; logs one line per plugin. Throws on a failed build. */
function buildNativePlugins({ force = false } = {}) {
  const plugins = findNativePlugins();
  for (const toolchain of TOOLCHAINS) {
    const pending = plugins.filter((plugin) => {
      if (plugin.toolchain !== toolchain) return false;
      if (force || !isUpToDate(plugin)) return true;
      console.log(`up to date  ${plugin.relFolder}/plugin.wasm`);
      return false;
    });
    if (pending.length === 0) continue;
    let env;
    try {
      const missing = missingPackages(toolchain.purpose);
      if (missing.length > 0) throw new Error(`needs Debian packages ${missing.join(', ')} (sudo node scripts/debian-packages.js --install)`);
      env = toolchain.env();
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`build-plugins: ${pending.map(({ relFolder }) => relFolder).join(', ')}: ${error.message}`);
      for (const { relFolder } of pending) console.log(`skipped     ${relFolder}/plugin.wasm: ${error.message}`);
      continue;
    }
    for (const { relFolder } of pending) {
      const build = spawnSync('sh', [path.join(root, relFolder, 'build.sh')], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build-plugins: ${relFolder}: build.sh failed\n${build.stdout}${build.stderr}`);
      console.log(`built       ${relFolder}/plugin.wasm (${fs.statSync(path.join(root, relFolder, 'plugin.wasm')).size} bytes)`);
    }
  }
}

module.exports = { buildNativePlugins };
