import { spawn, spawnSync } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: string;
}

/** Runs a command to completion; throws with its output when it fails. */
export function runSync(command: string, args: readonly string[], options: RunOptions = {}): string {
  const result = spawnSync(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, input: options.stdin, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Runs a program without blocking the event loop (a sidecar may be serving it); resolves to its stdout. */
export function runProgram(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const program = startProgram(command, args, options);
  program.end(options.stdin ?? '');
  return program.output;
}

/** A program started by startProgram: its stdin stays open for the test to write to as things happen. */
export interface StartedProgram {
  write(text: string): void;
  /** Writes `text` and closes stdin. */
  end(text?: string): void;
  /** Its stdout, once it has exited 0; rejects with its stderr otherwise. */
  readonly output: Promise<string>;
}

/** Starts a program without blocking the event loop, stdin open (`options.stdin` is not used). */
export function startProgram(command: string, args: readonly string[], options: RunOptions = {}): StartedProgram {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });
  return { write: (text) => child.stdin.write(text), end: (text = '') => child.stdin.end(text), output };
}
