import { spawn } from 'node:child_process';
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { NdpError } from '../errors';
import type { CliContext } from './cli-context';

/** What `plugin dev --watch` does on each change: build (when the project can), then reload. */
export interface DevWatchOptions {
  readonly id: string;
  /** The development folder (absolute). */
  readonly folder: string;
  /** Tells the running sidecar to reload the plugin; a failure is reported, not thrown. */
  readonly refresh: () => Promise<void>;
  /** Quiet time after the last change before building, so one save of several files is one build. */
  readonly debounceMs?: number;
}

/** Source folders watched recursively, when present: AssemblyScript's and C's. */
const SOURCE_FOLDERS = ['assembly', 'src'];

/** True when the folder is a project with a `build` script (`plugin new` makes one). */
export function hasBuildScript(folder: string): boolean {
  const file = path.join(folder, 'package.json');
  if (!existsSync(file)) return false;
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> } | null;
    return typeof manifest?.scripts?.build === 'string';
  } catch (error) {
    throw new NdpError('invalid_argument', `${file} is not valid JSON: ${(error as Error).message}`, { path: file });
  }
}

/**
 * Runs `npm run build` in the folder; resolves to its output when it fails, undefined when it
 * succeeds. The output is kept, not streamed, so a failed build is shown whole and a good one
 * adds one line.
 */
export function runBuild(folder: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'build', '--silent'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve(`could not run npm: ${error.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `${output.trim()}\n(npm run build exited ${code})`));
  });
}

/**
 * Watches a development folder until `signal` aborts: its top-level files (manifest.json,
 * plugin.wasm, package.json, asconfig.json) and its source folders, recursively. A project with
 * a build script is rebuilt on a change to anything but plugin.wasm (its own output), then
 * reloaded; a folder without one is reloaded when its files change. Changes during a build
 * queue one more round. node_modules is never watched: it is large and no save lands there.
 */
export async function watchDevFolder(context: CliContext, options: DevWatchOptions, signal: AbortSignal): Promise<void> {
  const { id, folder } = options;
  const build = hasBuildScript(folder);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const round = async (): Promise<void> => {
    if (build) {
      context.print(`building ${id}: npm run build`);
      const failure = await runBuild(folder);
      if (failure !== undefined) {
        context.warn(`build of ${id} failed; the sidecar keeps serving the last good build`, ...failure.split('\n'));
        return;
      }
    }
    await options.refresh();
  };
  const start = (): void => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = round().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        start();
      }
    });
  };
  const changed = (file: string | null): void => {
    if (build && file !== null && path.basename(file) === 'plugin.wasm') return;
    clearTimeout(timer);
    timer = setTimeout(start, options.debounceMs ?? 200);
  };

  const watchers: FSWatcher[] = [watch(folder, (_event, file) => changed(file))];
  for (const name of SOURCE_FOLDERS) {
    // Recursive watching is native on Linux from Node 20 (inotify, one watch per folder).
    if (existsSync(path.join(folder, name))) watchers.push(watch(path.join(folder, name), { recursive: true }, (_event, file) => changed(file)));
  }
  context.print(`watching ${folder} for changes (Ctrl-C to stop)`);
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      // The folder removed or renamed under us: nothing left to watch.
      for (const watcher of watchers) {
        watcher.once('error', (error) => reject(new NdpError('failed_precondition', `stopped watching ${folder}: ${error.message}`, { pluginId: id, path: folder, cause: error })));
      }
    });
  } finally {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
    await running;
  }
}
