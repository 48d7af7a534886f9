#!/usr/bin/env node
// Compiles every AssemblyScript plugin (a folder with assembly/index.ts under plugins-examples/
// or test/fixtures/plugins/) to <folder>/plugin.wasm with the asc API, offline; then the C
// and Rust examples (build-native-plugins.js), which need Debian packages and are skipped without them.
// A plugin is skipped when its plugin.wasm is newer than every source it can depend on;
// --force rebuilds all. Exits 1 on the first failure, naming the folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { buildNativePlugins } = require('./build-native-plugins');

const root = path.resolve(__dirname, '..');
const pluginRoots = ['plugins-examples', path.join('test', 'fixtures', 'plugins')];
// Sources shared by every plugin: the SDK package (with its generated messages), which plugins
// import by name (@ndphost/plugin-sdk-as, linked into node_modules as an npm workspace), and
// test/fixtures/as, glue the test fixtures share. This script is included so a change of
// compiler flags rebuilds everything.
const sharedSources = [path.join(root, 'packages', 'plugin-sdk-as', 'assembly'), path.join(root, 'test', 'fixtures', 'as')];

// --runtime stub: a bump allocator that never frees. Instances are fresh per call and then
//   discarded (abi.md), so a GC would only add size and start-up time.
// -O3: optimize for speed. Assertions stay on (no --noAssert) so a broken invariant aborts
//   the call through env.abort instead of returning garbage.
// No --exportRuntime: the ABI exports are malloc/free from the SDK, not __new/__pin.
// asc exports the memory as "memory" by default (we never pass --noExportMemory).
const ascFlags = ['--runtime', 'stub', '-O3', '--noColors'];

function findPlugins() {
  const plugins = [];
  for (const rel of pluginRoots) {
    const dir = path.join(root, rel);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const relFolder = path.join(rel, entry.name);
      if (fs.existsSync(path.join(root, relFolder, 'assembly', 'index.ts'))) plugins.push(relFolder);
    }
  }
  return plugins.sort();
}

/** Newest mtime (ms) of the .ts files under dir, recursively; 0 when there are none. */
function newestTs(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isUpToDate(folder, wasmPath) {
  if (!fs.existsSync(wasmPath)) return false;
  const sources = [path.join(folder, 'assembly'), ...sharedSources].map(newestTs);
  const newest = Math.max(...sources, fs.statSync(__filename).mtimeMs);
  return fs.statSync(wasmPath).mtimeMs > newest;
}

async function build(asc, relFolder) {
  const folder = path.join(root, relFolder);
  const wasmPath = path.join(folder, 'plugin.wasm');
  let binary = null;
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const args = [path.join(folder, 'assembly', 'index.ts'), '--outFile', wasmPath, '--baseDir', root, ...ascFlags];
  const result = await asc.main(args, {
    stdout,
    stderr,
    // Capture the binary instead of letting asc write it: asc's own writer swallows I/O
    // errors, and writing through a temporary file never leaves a half-written plugin.wasm.
    writeFile(name, contents) {
      if (path.resolve(root, name) === wasmPath) binary = contents;
    },
  });
  const messages = (stderr.toString() + stdout.toString()).trim();
  if (result.error || binary === null) {
    const reason = result.error ? result.error.message : 'no plugin.wasm was produced';
    throw new Error(`build-plugins: ${relFolder}: ${reason}${messages ? '\n' + messages : ''}`);
  }
  const tmp = wasmPath + '.tmp';
  fs.writeFileSync(tmp, binary);
  fs.renameSync(tmp, wasmPath);
  if (messages) process.stderr.write(`${relFolder}:\n${messages}\n`);
  return binary.length;
}

async function main() {
  const force = process.argv.includes('--force');
  // assemblyscript 0.28 ships asc as an ES module only, hence import() from CommonJS.
  const asc = await import('assemblyscript/asc');
  for (const relFolder of findPlugins()) {
    const wasmPath = path.join(root, relFolder, 'plugin.wasm');
    if (!force && isUpToDate(path.join(root, relFolder), wasmPath)) {
      console.log(`up to date  ${relFolder}/plugin.wasm`);
      continue;
    }
    const size = await build(asc, relFolder);
    console.log(`built       ${relFolder}/plugin.wasm (${size} bytes)`);
  }
  buildNativePlugins({ force });
}

main().catch((err) => {
  process.stderr.write((err && err.message ? err.message : String(err)) + '\n');
  process.exit(1);
});
