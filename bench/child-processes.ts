/**
 * Starting the bench's child processes: servers (bare grpc-js or the sidecar) and the load
 * client, each in its own process so /proc can tell their CPU apart.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadRequest, LoadResult, MemoryReport, MemoryRequest, ServerReady, SidecarProcessOptions } from './child-messages';
import { cpuSecondsBetween, cpuSnapshot, rssBytes, servingThreadUse } from './proc-stats';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawning the process to its ready message (every plugin loaded). */
  readonly startMs: number;
  /** The process's memory after a full garbage collection (the sidecar only). */
  memory(): Promise<MemoryReport>;
  close(): Promise<void>;
}

function startServer(name: string, script: string, args: string[], execArgv: readonly string[] = []): Promise<ServerProcess> {
  const started = performance.now();
  const child = fork(path.join(__dirname, script), args, { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`${name} exited with code ${code} before it was ready`));
    child.once('exit', exited);
    child.once('message', (message: ServerReady) => {
      child.off('exit', exited);
      resolve({ name, pid: child.pid as number, port: message.port, startMs: performance.now() - started, memory: () => memoryOf(child), close: () => stop(child) });
    });
  });
}

function memoryOf(child: ChildProcess): Promise<MemoryReport> {
  return new Promise((resolve) => {
    child.once('message', (report: MemoryReport) => resolve(report));
    child.send({ type: 'memory' } satisfies MemoryRequest);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ type: 'close' });
    // A server that does not close within 10 s is killed: the bench must end.
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** A grpc-js server with the same service definition that answers without any plugin. */
export const startBareServer = (): Promise<ServerProcess> => startServer('grpc-js, no plugin', 'bare-server.js', []);

/** A grpc-js server that passes each call's bytes through one worker thread and back, with no plugin (hop-server.ts). */
export const startHopServer = (): Promise<ServerProcess> => startServer('grpc-js + thread hop', 'hop-server.js', []);

/**
 * The node options the package's launcher (bin/ndphost) starts the sidecar with, read from its
 * exec line: the bench measures the sidecar as `ndphost serve` runs.
 */
function launcherNodeOptions(): string[] {
  const launcher = readFileSync(path.join(__dirname, '..', '..', 'bin', 'ndphost'), 'utf8');
  const exec = /^":" \/\/; exec node (.*) "\$0" "\$@"$/m.exec(launcher);
  if (!exec) throw new Error('bin/ndphost has no exec line of the form the bench reads');
  return exec[1].split(' ');
}

/** The sidecar serving the given plugins folder, started with the launcher's node options. */
export const startSidecarServer = (options: SidecarProcessOptions, name = 'sidecar'): Promise<ServerProcess> =>
  startServer(name, 'sidecar-server.js', [JSON.stringify(options)], launcherNodeOptions());

/** One measured run against a server: what the client saw and what the server's process used. */
export interface ServerRun {
  readonly server: string;
  readonly load: LoadResult;
  /** Server CPU (all threads, user + system) per call, microseconds. */
  readonly cpuPerCall: number;
  /** Of that, the serving thread's, microseconds per call, and its context switches per call. */
  readonly serving: { readonly cpuPerCall: number; readonly voluntarySwitches: number; readonly involuntarySwitches: number };
  readonly rssBytes: number;
}

/** The load generator process. */
export class LoadClient {
  private readonly child = fork(path.join(__dirname, 'load-client.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private nextId = 1;

  /** Runs `calls` calls at `concurrency` against the server; rejects if any call failed. */
  async run(server: ServerProcess, concurrency: number, calls: number): Promise<ServerRun> {
    const cpuBefore = cpuSnapshot(server.pid);
    const servingBefore = servingThreadUse(server.pid);
    const load = await this.request({ type: 'run', id: this.nextId++, port: server.port, concurrency, calls });
    const cpuPerCall = (cpuSecondsBetween(cpuBefore, cpuSnapshot(server.pid)) * 1e6) / calls;
    const servingAfter = servingThreadUse(server.pid);
    const serving = {
      cpuPerCall: ((servingAfter.cpuSeconds - servingBefore.cpuSeconds) * 1e6) / calls,
      voluntarySwitches: (servingAfter.voluntarySwitches - servingBefore.voluntarySwitches) / calls,
      involuntarySwitches: (servingAfter.involuntarySwitches - servingBefore.involuntarySwitches) / calls,
    };
    if (load.errors > 0) throw new Error(`${server.name}: ${load.errors} of ${calls} calls failed, e.g. ${load.firstError}`);
    return { server: server.name, load, cpuPerCall, serving, rssBytes: rssBytes(server.pid) };
  }

  /**
   * Runs each server unmeasured, as long as a measured run: V8's tiers (the worker's wasm among
   * them), workers, connections. A run of 1,000 calls left the first measured repeat at c=1 up to
   * 1.9x the later ones, and the sidecar's CPU per call still falling in the second and third.
   */
  async warmUp(servers: Iterable<ServerProcess>, concurrency: number, calls: number): Promise<void> {
    for (const server of servers) await this.run(server, concurrency, calls);
  }

  close(): void {
    this.child.disconnect();
  }

  private request(job: LoadRequest): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the load client exited with code ${code}`));
      this.child.once('exit', exited);
      this.child.once('message', (result: LoadResult) => {
        this.child.off('exit', exited);
        resolve(result);
      });
      this.child.send(job);
    });
  }
}
