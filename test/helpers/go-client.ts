import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { requireDebianPackages } from './debian-packages';
import { PROTO_ROOT, REPO_ROOT } from './paths';
import { protoFiles, THIRD_PARTY_PROTO } from './python-client';
import { runSync } from './run-program';

/** Where Debian's golang-*-dev packages put their sources. */
const DEBIAN_GOPATH = '/usr/share/gocode';

/**
 * The environment of an offline Go build in GOPATH mode: Debian's packaged libraries plus the
 * test's own GOPATH, no module proxy. The build cache is kept under node_modules/.cache, so only
 * the first build on a machine compiles grpc-go.
 */
export function goEnvironment(gopath: string): NodeJS.ProcessEnv {
  return {
    GO111MODULE: 'off',
    GOPATH: `${gopath}:${DEBIAN_GOPATH}`,
    GOPROXY: 'off',
    GOFLAGS: '',
    GOCACHE: path.join(REPO_ROOT, 'node_modules', '.cache', 'go-build'),
  };
}

/**
 * Go stubs for every file of proto/ (or `protoRoot`, a copy of it) and third_party/proto/, each
 * directory its own package under `ndphost.local/gen/` (api.proto: `ndphost.local/gen/api`),
 * written into `gopath`.
 */
export function generateGoStubs(gopath: string, protoRoot = PROTO_ROOT): void {
  requireDebianPackages('Go client');
  const src = path.join(gopath, 'src');
  mkdirSync(src, { recursive: true });
  const files = [...protoFiles(protoRoot), ...protoFiles(THIRD_PARTY_PROTO)];
  const mappings = files.flatMap((file) => {
    const dir = path.dirname(file) === '.' ? path.basename(file, '.proto') : path.dirname(file);
    return [`--go_opt=M${file}=ndphost.local/gen/${dir}`, `--go-grpc_opt=M${file}=ndphost.local/gen/${dir}`];
  });
  runSync('protoc', [`-I${protoRoot}`, `-I${THIRD_PARTY_PROTO}`, `--go_out=${src}`, `--go-grpc_out=${src}`, ...mappings, ...files]);
}

/** `go build` of one package in GOPATH mode into `output`, for this machine or for `target`. */
export function goBuild(gopath: string, importPath: string, output: string, target?: { readonly GOOS: string; readonly GOARCH: string }): void {
  runSync('go', ['build', '-o', output, importPath], { env: { ...goEnvironment(gopath), ...target }, cwd: gopath });
}
