import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianPackages } from '../helpers/debian-packages';
import { goBuild } from '../helpers/go-client';
import { startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { codeBlocks } from '../helpers/markdown';
import { PROTO_ROOT, REPO_ROOT } from '../helpers/paths';
import { PYTHON, runPython as runPythonProgram } from '../helpers/python-client';
import { TestCertificates } from '../helpers/test-certificates';
import { runProgram, runSync } from '../helpers/run-program';
import { commands, shellWords } from '../helpers/shell-words';

// docs/clients.md as a reader would follow it: vendor api.proto, run the page's generate
// command as written, save its program, run it against a real sidecar and compare the output
// with the page's.

const DOC = path.join(REPO_ROOT, 'docs', 'clients.md');
const [pythonGenerate, goGenerate] = codeBlocks(DOC, 'sh').map(commands);
const [pythonProgram, pythonTls] = codeBlocks(DOC, 'python');
const [goProgram, goTls] = codeBlocks(DOC, 'go');
const [expectedOutput] = codeBlocks(DOC, 'text');

/** A folder with `proto/api.proto` vendored, as the page says. */
function vendored(folder: string): string {
  mkdirSync(path.join(folder, 'proto'), { recursive: true });
  copyFileSync(path.join(PROTO_ROOT, 'api.proto'), path.join(folder, 'proto', 'api.proto'));
  return folder;
}

/** `program` with its one line `line` replaced by `replacement`, indented as the line was. */
function replaceLine(program: string, line: string, replacement: string): string {
  const lines = program.split('\n');
  const at = lines.filter((candidate) => candidate.trim() === line);
  if (at.length !== 1) throw new Error(`docs/clients.md: the program has ${at.length} lines "${line}", not one`);
  const index = lines.findIndex((candidate) => candidate.trim() === line);
  const indent = /^\s*/.exec(lines[index])?.[0] ?? '';
  lines.splice(index, 1, ...replacement.trimEnd().split('\n').map((text) => indent + text));
  return lines.join('\n');
}

/** The Python and Go programs built in `scratch` against `address`; each resolves to what it printed. */
async function runPython(folder: string, program: string, address: string): Promise<string> {
  requireDebianPackages('Python client');
  const [python, ...args] = shellWords(pythonGenerate[0]);
  expect(python).toBe('python3');
  runSync(PYTHON, args, { cwd: folder });
  writeFileSync(path.join(folder, 'client.py'), program);
  return runPythonProgram(['client.py'], { cwd: folder, env: { NDPHOST_ADDRESS: address } });
}

async function runGo(gopath: string, folder: string, program: string, address: string): Promise<string> {
  requireDebianPackages('Go client');
  const [protoc, ...args] = shellWords(goGenerate[0]);
  runSync(protoc, args, { cwd: folder });
  writeFileSync(path.join(folder, 'main.go'), program);
  const binary = path.join(gopath, 'bin', 'client');
  goBuild(gopath, 'example.com/ndphost-client', binary);
  return runProgram(binary, [], { cwd: folder, env: { NDPHOST_ADDRESS: address } });
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

  it('has one generate command and one program per language, the TLS change for each, and the output they print', () => {
    expect([pythonGenerate, goGenerate].map((lines) => lines.length)).toEqual([1, 1]);
    expect([pythonProgram, goProgram, pythonTls, goTls, expectedOutput].every(Boolean)).toBe(true);
  });

  it('the Python example', async () => {
    await expect(runPython(vendored(path.join(scratch, 'python')), pythonProgram, sidecar.api.address)).resolves.toBe(expectedOutput);
  });

  it('the Go example, built offline in GOPATH mode', async () => {
    const gopath = path.join(scratch, 'go');
    await expect(runGo(gopath, vendored(path.join(gopath, 'src', 'example.com', 'ndphost-client')), goProgram, sidecar.api.address)).resolves.toBe(expectedOutput);
  }, 300_000);
});

describe("docs/clients.md's TLS section, followed as written, against a sidecar that requires client certificates", () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'ndphost-docs-tls-'));
  let certificates: TestCertificates;
  let sidecar: InteropSidecar;

  beforeAll(async () => {
    certificates = new TestCertificates();
    sidecar = await startInteropSidecar(['--tls-cert', certificates.server.cert, '--tls-key', certificates.server.key, '--tls-client-ca', certificates.ca.cert]);
  });
  afterAll(async () => {
    await sidecar?.close();
    certificates?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The folder with the files the page's programs open: ca.pem, client.pem, client.key. */
  function withCertificates(folder: string): string {
    copyFileSync(certificates.ca.cert, path.join(folder, 'ca.pem'));
    copyFileSync(certificates.client.cert, path.join(folder, 'client.pem'));
    copyFileSync(certificates.client.key, path.join(folder, 'client.key'));
    return folder;
  }

  it('the Python example with its TLS change', async () => {
    const program = replaceLine(pythonProgram, 'with grpc.insecure_channel(ADDRESS) as channel:', pythonTls);
    await expect(runPython(withCertificates(vendored(path.join(scratch, 'python'))), program, sidecar.api.address)).resolves.toBe(expectedOutput);
    // And the unchanged program is refused by the same sidecar.
    await expect(runPython(path.join(scratch, 'python'), pythonProgram, sidecar.api.address)).rejects.toThrow(/UNAVAILABLE/);
  });

  it('the Go example with its TLS change', async () => {
    const gopath = path.join(scratch, 'go');
    const withImports = goProgram.replace('import (\n', 'import (\n\t"crypto/tls"\n\t"crypto/x509"\n\t"google.golang.org/grpc/credentials"\n');
    const program = replaceLine(withImports, 'conn, err := grpc.Dial(address, grpc.WithInsecure())', goTls);
    await expect(runGo(gopath, withCertificates(vendored(path.join(gopath, 'src', 'example.com', 'ndphost-client'))), program, sidecar.api.address)).resolves.toBe(expectedOutput);
  }, 300_000);
});
