import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { requireDebianPackages } from './debian-packages';
import { PROTO_ROOT, REPO_ROOT } from './paths';
import { runProgram, runSync, type RunOptions } from './run-program';

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
 * Python stubs (`*_pb2.py`, `*_pb2_grpc.py`) for every file of proto/ (or a copy of it at
 * `protoRoot`) and third_party/proto/, generated into `out` by python3-grpc-tools, as a Python
 * team vendoring our protos would.
 */
export function generatePythonStubs(out: string, protoRoot = PROTO_ROOT): void {
  requireDebianPackages('Python client');
  const files = [...protoFiles(protoRoot), ...protoFiles(THIRD_PARTY_PROTO)];
  runSync(PYTHON, ['-m', 'grpc_tools.protoc', `-I${protoRoot}`, `-I${THIRD_PARTY_PROTO}`, `--python_out=${out}`, `--grpc_python_out=${out}`, ...files]);
}

/** Runs a Python program with Debian's interpreter; resolves to its stdout. */
export function runPython(args: string[], options: RunOptions = {}): Promise<string> {
  return runProgram(PYTHON, args, options);
}

/** Message bytes in hex: what a Python script's raw-bytes calls take on argv and print back. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** GetArtistBiography's request for `name`, in hex. */
export function biographyRequestHex(name: string): string {
  return hex(ArtistBiographyRequest.encode({ id: '', name, mbid: '' }).finish());
}

/** GetArtistBiography's response with `biography`, in hex. */
export function biographyResponseHex(biography: string): string {
  return hex(ArtistBiographyResponse.encode({ biography }).finish());
}
