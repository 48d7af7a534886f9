import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Endpoint } from './interop-sidecar';
import { REPO_ROOT } from './paths';

const BUF = path.join(REPO_ROOT, 'node_modules', '.bin', 'buf');

/** Reflection versions `buf curl --reflect-protocol` speaks. */
export type ReflectProtocol = 'grpc-v1' | 'grpc-v1alpha';

export interface BufCurlResult {
  /** buf curl's exit code: 0, or the gRPC status code times 8. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `buf curl` over gRPC with server reflection as its only schema: the devDependency is
 * the grpcurl of this repository, with the same strict descriptor checks.
 * `target` is `service/method`, or empty for --list-services / --list-methods.
 */
export function bufCurl(endpoint: Endpoint, target: string, args: readonly string[], reflect: ReflectProtocol = 'grpc-v1'): Promise<BufCurlResult> {
  const base = endpoint.unixSocket ? ['--unix-socket', endpoint.unixSocket, `http://localhost/${target}`] : [`http://${endpoint.address}/${target}`];
  return runBuf(['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--reflect-protocol', reflect, ...args, ...base]);
}

/** Runs the buf binary with `args` as given (e.g. a README line translated). */
export function runBuf(args: readonly string[]): Promise<BufCurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUF, args, { env: { ...process.env, BUF_LOG_FORMAT: 'text' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

/** The gRPC status buf curl reports on stderr for a failed call: `{"code": "not_found", ...}`. */
export function bufError(result: BufCurlResult): { code: string; message: string } | undefined {
  const start = result.stderr.indexOf('{');
  if (result.exitCode === 0 || start < 0) return undefined;
  return JSON.parse(result.stderr.slice(start)) as { code: string; message: string };
}
