import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { defer } from './defer';
import { CLI_MAIN } from './paths';

/** `ndphost serve` in a process of its own, with its stdout kept line by line. */
export interface SpawnedSidecar {
  readonly child: ChildProcessWithoutNullStreams;
  /** The gRPC port from its "ndphost listening" line. */
  readonly port: number;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Sends SIGTERM and resolves with the exit code. Make a call first: the signal handlers are set once start-up returns. */
  stop(): Promise<number | null>;
}

/**
 * Starts `ndphost serve <args>` (no NDPHOST_ variables from the test's environment) and
 * resolves once a stdout line says the plugins are loaded; rejects if it exits first.
 * For code whose libraries need a plain Node process (jest's module sandbox refuses the
 * dynamic import() the OTLP exporter uses for node:http).
 */
export async function spawnSidecar(args: readonly string[]): Promise<SpawnedSidecar> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NDPHOST_')));
  const child = spawn(process.execPath, [CLI_MAIN, 'serve', ...args], { env });
  const lines: string[] = [];
  let port = 0;
  let listening = false;
  const ready = defer();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    // JSON has the port on the "ndphost listening" line, pretty on one of the lines below it.
    listening ||= line.includes('ndphost listening');
    const found = listening && port === 0 ? /\bport"?: ?(\d+)/.exec(line) : null;
    if (found) port = Number(found[1]);
    if (line.includes('plugins loaded')) ready.resolve();
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('exit', (code) => ready.reject(new Error(`ndphost exited (${code}) before serving:\n${lines.join('\n')}\n${stderr}`)));
  await ready.promise;
  return {
    child,
    port,
    lines,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
