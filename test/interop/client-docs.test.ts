import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianPackages } from '../helpers/debian-packages';
import { goBuild } from '../helpers/go-client';
import { startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { codeBlocks } from '../helpers/markdown';
import { PROTO_ROOT, REPO_ROOT } from '../helpers/paths';
import { PYTHON, runPython } from '../helpers/python-client';
import { runProgram, runSync } from '../helpers/run-program';
import { commands, shellWords } from '../helpers/shell-words';

// docs/clients.md as a reader would follow it: vendor api.proto, run the page's generate
// command as written, save its program, run it against a real sidecar and compare the output
// with the page's.

const DOC = path.join(REPO_ROOT, 'docs', 'clients.md');
const [pythonGenerate, goGenerate] = codeBlocks(DOC, 'sh').map(commands);
const [pythonProgram] = codeBlocks(DOC, 'python');
const [goProgram] = codeBlocks(DOC, 'go');
const [expectedOutput] = codeBlocks(DOC, 'text');

/** A folder with `proto/api.proto` vendored, as the page says. */
function vendored(folder: string): string {
  mkdirSync(path.join(folder, 'proto'), { recursive: true });
  copyFileSync(path.join(PROTO_ROOT, 'api.proto'), path.join(folder, 'proto', 'api.proto'));
  return folder;
}

describe('docs/clients.md, followed as written', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ndphost-docs-'));
  let sidecar: InteropSidecar;

  beforeAll(async () => {
    sidecar = await startInteropSidecar();
  });
  afterAll(async () => {
    await sidecar?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has one generate command and one program per language, and the output they print', () => {
    expect([pythonGenerate, goGenerate].map((lines) => lines.length)).toEqual([1, 1]);
    expect([pythonProgram, goProgram, expectedOutput].every(Boolean)).toBe(true);
  });

  it('the Python example', async () => {
    requireDebianPackages('Python client');
    const folder = vendored(path.join(scratch, 'python'));
    const [python, ...args] = shellWords(pythonGenerate[0]);
    expect(python).toBe('python3');
    runSync(PYTHON, args, { cwd: folder });
    writeFileSync(path.join(folder, 'client.py'), pythonProgram);
    await expect(runPython(['client.py'], { cwd: folder, env: { NDPHOST_ADDRESS: sidecar.api.address } })).resolves.toBe(expectedOutput);
  });

  it('the Go example, built offline in GOPATH mode', async () => {
    requireDebianPackages('Go client');
    const gopath = path.join(scratch, 'go');
    const folder = vendored(path.join(gopath, 'src', 'example.com', 'ndphost-client'));
    const [protoc, ...args] = shellWords(goGenerate[0]);
    runSync(protoc, args, { cwd: folder });
    writeFileSync(path.join(folder, 'main.go'), goProgram);
    const binary = path.join(gopath, 'bin', 'client');
    goBuild(gopath, 'example.com/ndphost-client', binary);
    await expect(runProgram(binary, [], { env: { NDPHOST_ADDRESS: sidecar.api.address } })).resolves.toBe(expectedOutput);
  }, 300_000);
});
