// nanopb's runtime (pb.h, pb_common, pb_encode, pb_decode) for the C plugin example. Debian's
// `nanopb` package ships only the generator; the runtime sources are in its source package, so
// they are fetched with `apt-get source`, for exactly the installed version (the generated code
// checks that it matches its runtime), into node_modules/.cache/nanopb-runtime/<version>/.
//
// apt is pointed at a private copy of the machine's own sources with `deb` turned into
// `deb-src`, derived at run time: nothing of the system's apt configuration is changed and no
// root is needed. apt checks what it downloads against the archive's signed index.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const RUNTIME_FILES = ['pb.h', 'pb_common.h', 'pb_common.c', 'pb_encode.h', 'pb_encode.c', 'pb_decode.h', 'pb_decode.c'];

/** The folder holding the runtime of the installed nanopb, fetched on first use. */
function nanopbRuntime() {
  const version = installedVersion();
  const folder = path.join(root, 'node_modules', '.cache', 'nanopb-runtime', version);
  if (RUNTIME_FILES.every((file) => fs.existsSync(path.join(folder, file)))) return folder;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ndphost-nanopb-'));
  try {
    const unpacked = fetchSource(version, scratch);
    const staging = `${folder}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    for (const file of RUNTIME_FILES) fs.copyFileSync(path.join(unpacked, file), path.join(staging, file));
    fs.rmSync(folder, { recursive: true, force: true });
    fs.renameSync(staging, folder);
    return folder;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function installedVersion() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'nanopb'], { encoding: 'utf8' });
  if (query.status !== 0 || !query.stdout.trim()) throw new Error('nanopb is not installed (Debian package nanopb)');
  return query.stdout.trim();
}

/** Runs `apt-get source nanopb=<version>` with a private apt state; returns the unpacked tree. */
function fetchSource(version, scratch) {
  const parts = path.join(scratch, 'sources.list.d');
  for (const dir of [parts, path.join(scratch, 'lists', 'partial'), path.join(scratch, 'cache', 'archives', 'partial')]) fs.mkdirSync(dir, { recursive: true });
  const written = writeSourceEntries(parts);
  if (written === 0) throw new Error('no Debian package sources found in /etc/apt to derive deb-src entries from');
  const options = [
    '-o', 'Dir::Etc::SourceList=/dev/null',
    '-o', `Dir::Etc::SourceParts=${parts}`,
    '-o', `Dir::State::Lists=${path.join(scratch, 'lists')}`,
    '-o', `Dir::Cache=${path.join(scratch, 'cache')}`,
    // The private folders belong to whoever runs this; apt's _apt sandbox user could not write them.
    '-o', 'APT::Sandbox::User=root',
    '-q',
  ];
  // A source without a deb-src side (a third-party repository) fails its own update only;
  // apt-get source below says whether nanopb's was found.
  const update = spawnSync('apt-get', [...options, 'update'], { cwd: scratch, encoding: 'utf8' });
  if (update.error) throw new Error(`apt-get update: ${update.error.message}`);
  const source = spawnSync('apt-get', [...options, 'source', `nanopb=${version}`], { cwd: scratch, encoding: 'utf8' });
  if (source.status !== 0) {
    throw new Error(`apt-get source nanopb=${version} failed: ${(source.stderr || source.stdout || String(source.error)).trim()}\n(apt-get update said: ${update.stderr.trim() || 'nothing'})`);
  }
  const unpacked = fs.readdirSync(scratch).find((name) => name.startsWith('nanopb-') && fs.statSync(path.join(scratch, name)).isDirectory());
  if (!unpacked) throw new Error(`apt-get source nanopb=${version} unpacked nothing (is dpkg-dev installed?)`);
  return path.join(scratch, unpacked);
}

/** Copies each enabled `deb` entry of the machine's apt sources as `deb-src`; returns how many. */
function writeSourceEntries(parts) {
  let written = 0;
  const write = (name, text) => {
    fs.writeFileSync(path.join(parts, name), text);
    written++;
  };
  const listFile = '/etc/apt/sources.list';
  if (fs.existsSync(listFile)) {
    const lines = fs.readFileSync(listFile, 'utf8').split('\n').filter((line) => /^\s*deb\s/.test(line));
    if (lines.length > 0) write('sources.list', lines.map((line) => line.replace(/^\s*deb\s/, 'deb-src ')).join('\n') + '\n');
  }
  const dir = '/etc/apt/sources.list.d';
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    if (name.endsWith('.list')) {
      const lines = text.split('\n').filter((line) => /^\s*deb\s/.test(line));
      if (lines.length > 0) write(name, lines.map((line) => line.replace(/^\s*deb\s/, 'deb-src ')).join('\n') + '\n');
    } else if (name.endsWith('.sources')) {
      // deb822 stanzas, separated by blank lines; keep those with a `deb` type that are enabled.
      const stanzas = text
        .split(/\n\s*\n/)
        .filter((stanza) => /^Types:.*\bdeb\b/im.test(stanza) && !/^Enabled:\s*no\b/im.test(stanza))
        .map((stanza) => stanza.replace(/^Types:.*$/im, 'Types: deb-src'));
      if (stanzas.length > 0) write(name, stanzas.join('\n\n') + '\n');
    }
  }
  return written;
}

module.exports = { nanopbRuntime };
