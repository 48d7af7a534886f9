// Builds the C plugin examples: every plugins-examples/<id>/build.sh, with Debian's clang, lld,
// wasi-libc and nanopb (scripts/debian-packages.js names them). Used by build-plugins.js.
//
// Without those packages the example is skipped with a line saying which are missing, so
// `npm start` works with Node alone; with CI=true a missing package fails the build instead,
// since .ci/run installs them. The interop tests fail on a missing plugin.wasm either way.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { missingPackages } = require('./debian-packages');
const { nanopbRuntime } = require('./nanopb-runtime');

const root = path.resolve(__dirname, '..');
const PURPOSE = 'C plugin example';
// The protos the examples generate messages from.
const PROTOS = ['api.proto', 'host/http/http.proto', 'host/config/config.proto'].map((file) => path.join(root, 'proto', file));

function findCPlugins() {
  const base = path.join(root, 'plugins-examples');
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(base, entry.name, 'build.sh')))
    .map((entry) => path.join('plugins-examples', entry.name))
    .sort();
}

/** Newest mtime (ms) of the files under `file`, recursively. */
function newest(file) {
  const info = fs.statSync(file);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((name) => newest(path.join(file, name))));
}

function isUpToDate(folder) {
  const wasm = path.join(folder, 'plugin.wasm');
  if (!fs.existsSync(wasm)) return false;
  const sources = [path.join(folder, 'src'), path.join(folder, 'build.sh'), path.join(folder, 'nanopb.options'), __filename, ...PROTOS];
  return fs.statSync(wasm).mtimeMs > Math.max(...sources.filter((file) => fs.existsSync(file)).map(newest));
}

/** Builds what is out of date; logs one line per plugin. Throws on a failed build. */
function buildCPlugins({ force = false } = {}) {
  const plugins = findCPlugins();
  const pending = plugins.filter((relFolder) => {
    if (force || !isUpToDate(path.join(root, relFolder))) return true;
    console.log(`up to date  ${relFolder}/plugin.wasm`);
    return false;
  });
  if (pending.length === 0) return;
  let runtime;
  try {
    const missing = missingPackages(PURPOSE);
    if (missing.length > 0) throw new Error(`needs Debian packages ${missing.join(', ')} (sudo node scripts/debian-packages.js --install)`);
    runtime = nanopbRuntime();
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`build-plugins: ${pending.join(', ')}: ${error.message}`);
    for (const relFolder of pending) console.log(`skipped     ${relFolder}/plugin.wasm: ${error.message}`);
    return;
  }
  for (const relFolder of pending) {
    const build = spawnSync('sh', [path.join(root, relFolder, 'build.sh')], { env: { ...process.env, NANOPB_RUNTIME: runtime }, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build-plugins: ${relFolder}: build.sh failed\n${build.stdout}${build.stderr}`);
    console.log(`built       ${relFolder}/plugin.wasm (${fs.statSync(path.join(root, relFolder, 'plugin.wasm')).size} bytes)`);
  }
}

module.exports = { buildCPlugins };
