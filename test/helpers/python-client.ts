import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { requireDebianPackages } from './debian-packages';
import { PROTO_ROOT, REPO_ROOT } from './paths';

/** Debian's interpreter, with python3-grpcio and python3-protobuf; not a pyenv or venv one. */
export const PYTHON = '/usr/bin/python3';
export const THIRD_PARTY_PROTO = path.join(REPO_ROOT, 'third_party', 'proto');

/** Every .proto under `root`, relative to it. */
export function protoFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (relative: string): void => {
    for (const name of readdirSync(path.join(root, relative)).sort()) {
      const file = path.join(relative, name);
      if (statSync(path.join(root, file)).isDirectory()) visit(file);
      else if (name.endsWith('.proto')) found.push(file);
    }
  };
  visit('');
  return found;
}

/**
 * Python stubs (`*_pb2.py`, `*_pb2_grpc.py`) for every file of proto/ and third_party/proto/,
 * generated into `out` by python3-grpc-tools, as a Python team vendoring our protos would.
 */
export function generatePythonStubs(out: string): void {
  requireDebianPackages('Python client');
  const files = [...protoFiles(PROTO_ROOT), ...protoFiles(THIRD_PARTY_PROTO)];
  const protoc = spawnSync(PYTHON, ['-m', 'grpc_tools.protoc', `-I${PROTO_ROOT}`, `-I${THIRD_PARTY_PROTO}`, `--python_out=${out}`, `--grpc_python_out=${out}`, ...files], { encoding: 'utf8' });
  if (protoc.status !== 0) throw new Error(`grpc_tools.protoc failed: ${protoc.stderr}`);
}

/** Runs a Python program with `stdin` as its input; rejects with its stderr when it fails. */
export function runPython(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${PYTHON} ${args.join(' ')} exited ${code}:\n${stderr}`))));
    child.stdin.end(options.stdin ?? '');
  });
}
