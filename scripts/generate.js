#!/usr/bin/env node
// Regenerates generated/ from the buf workspace (proto/ and third_party/proto/): ts-proto for
// the host, as-proto-gen for guests (into the plugin SDK package,
// packages/plugin-sdk-as/assembly/messages), and generated/descriptor-set.binpb, the compiled
// FileDescriptorSet that server reflection serves as is (RATIONALE.md, "Why does reflection
// serve a descriptor set written by buf?").
// With --check, fails when the regenerated trees differ from what git has: generated code is
// committed so a clean clone builds without buf, and must never drift from proto/.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const buf = path.join(root, 'node_modules', '.bin', 'buf');
// Every folder buf writes into (buf.gen.yaml's outs and the descriptor set).
const OUTPUTS = ['generated', path.join('packages', 'plugin-sdk-as', 'assembly', 'messages')];
runBuf(['generate']);
// Every file of the workspace, in dependency order, with comments (source info) so that
// `describe` shows them; --as-file-descriptor-set drops buf's own image metadata.
runBuf(['build', '--as-file-descriptor-set', '-o', path.join('generated', 'descriptor-set.binpb')]);

if (process.argv.includes('--check')) {
  const status = spawnSync('git', ['status', '--porcelain', '--', ...OUTPUTS], { cwd: root, encoding: 'utf8' });
  if (status.status !== 0) {
    process.stderr.write('generate --check: git status failed: ' + status.stderr + '\n');
    process.exit(1);
  }
  if (status.stdout.trim()) {
    process.stderr.write(`${OUTPUTS.join(' and ')} are out of date with proto/; run \`npm run generate\` and commit:\n` + status.stdout);
    process.exit(1);
  }
  console.log(`${OUTPUTS.join(' and ')} are in sync with proto/`);
}

function runBuf(args) {
  const result = spawnSync(buf, args, { cwd: root, encoding: 'utf8' });
  // as-proto-gen names its files with a doubled "/" and buf warns once per file; the output is
  // correct, so only that warning is dropped.
  const stderr = result.stderr
    .split('\n')
    .filter((line) => line && !line.includes('does not conform to the Protobuf generation specification'))
    .join('\n');
  if (stderr) process.stderr.write(stderr + '\n');
  if (result.status !== 0) process.exit(result.status ?? 1);
}
