import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { CLI_MAIN, LAUNCHER } from './paths';

/** A log line of the sidecar (pino JSON). */
export type LogEntry = { readonly msg: string; readonly port?: number } & Record<string, unknown>;

/** `ndphost serve` running as its own process, as an operator starts it. */
export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Every log line so far, and later ones as they come. */
  readonly logs: LogEntry[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Where and as whom the CLI runs; by default here, as us, without the NDPHOST_* variables of the environment running the tests. */
export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /** A command that runs the CLI, e.g. `setpriv ... --`: the CLI's node command line goes after it. */
  readonly wrapper?: readonly string[];
  /** Options for the CLI's node itself (V8's, e.g. `--log-ic`), before the script. */
  readonly nodeOptions?: readonly string[];
  /** Through the package's `bin` (bin/ndphost), as an installed ndphost runs, instead of node on the script. */
  readonly launcher?: boolean;
}

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI with `args`. */
export function ndphost(args: readonly string[], { env, wrapper = [], nodeOptions = [], launcher = false, ...options }: CliOptions = {}): ChildProcessWithoutNullStreams {
  const [command, ...rest] = [...wrapper, ...(launcher ? [LAUNCHER] : [process.execPath, ...nodeOptions, CLI_MAIN]), ...args];
  return spawn(command, rest, { env: env ?? Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NDPHOST_'))), ...options });
}

/** Runs the CLI to its end, with stdin a closed pipe (not a terminal): exit code, stdout and stderr. */
export async function runNdphost(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const child = ndphost(args, options);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `ndphost serve <args>` and resolves once its "plugins loaded" log line says it serves. */
export async function startServe(args: readonly string[], options: CliOptions = {}): Promise<ServeProcess> {
  const child = ndphost(['serve', ...args], options);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const logs: LogEntry[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let port = 0;
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as LogEntry;
      logs.push(entry);
      if (entry.port) port = entry.port;
      if (entry.msg === 'plugins loaded') resolve({ child, port, logs, exited });
    });
    lines.on('close', () => reject(new Error(`ndphost exited before serving:\n${logs.map((entry) => JSON.stringify(entry)).join('\n')}\n${stderr}`)));
  });
}
