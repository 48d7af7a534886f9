import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { messageOf, NdpError } from '../errors';
import { checkPluginId, linkDevPlugin } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext, type CliContext } from './cli-context';
import { hasBuildScript, runBuild, watchDevFolder } from './dev-folder-watch';
import { notifySidecar } from './notify-sidecar';
import { recoverInterruptedChanges } from './recover-changes';

/** `ndphost plugin dev <folder> [--id <id>] [--yes] [--watch]` (plugin-system.md, "Development Workflow"). */
export function pluginDevCommand(): Command {
  return configuredCommand('dev', 'link a plugin development folder into Plugins.Folder, then tell the running sidecar')
    .argument('<folder>', 'the development folder, holding manifest.json and plugin.wasm')
    .option('--id <id>', "the plugin id (default: the folder's name)")
    .option('-y, --yes', 'replace an existing plugin or link with the same id without asking (an installed plugin folder is first copied to <DataFolder>/backups)')
    .option('-w, --watch', "then keep watching the folder: on each save run its `npm run build` (if package.json has one) and reload the plugin in the running sidecar, until Ctrl-C")
    .action(
      withContext(async (context, devFolder: string, options: { id?: string; yes?: boolean; watch?: boolean }) => {
        requirePluginsEnabled(context.config);
        await recoverInterruptedChanges(context);
        const id = checkPluginId(options.id ?? path.basename(path.resolve(devFolder)));
        if (options.watch && hasBuildScript(devFolder)) await firstBuild(context, devFolder, id);
        const entry = path.join(context.config.plugins.folder, id);
        const backupsFolder = path.join(context.config.dataFolder, 'backups');
        const existing = await describeEntry(entry, backupsFolder);
        const relink = existing !== undefined && (await linksTo(entry, path.resolve(devFolder)));
        if (existing && !relink && !options.yes && !(await confirm(`Replace ${existing} at ${entry} with a link to ${path.resolve(devFolder)}? [y/N] `, id, entry))) {
          throw new NdpError('failed_precondition', `not replaced: left ${entry} as it was`, { pluginId: id, path: entry });
        }
        const result = await linkDevPlugin(context.config.plugins.folder, devFolder, { id, replace: existing !== undefined, moduleRules: context.moduleRules, backupsFolder });
        const replaced = result.replaced ? ` (replaced the existing ${result.replaced})` : '';
        context.print(`linked ${result.id} ${result.manifest.version}: ${result.link} -> ${result.target}${replaced}`);
        if (result.backup) context.print(`kept a copy of the installed ${result.id} at ${result.backup} (to go back: \`ndphost plugin remove ${result.id}\`, then move it to ${result.link})`);
        await notifySidecar(context, { changed: result.id });
        if (options.watch) await watchUntilSignal(context, result.id, result.target);
      }),
    );
}

async function firstBuild(context: CliContext, devFolder: string, id: string): Promise<void> {
  context.print(`building ${id}: npm run build`);
  const failure = await runBuild(devFolder);
  if (failure !== undefined) throw new NdpError('failed_precondition', `build of ${id} in ${path.resolve(devFolder)} failed, so nothing was linked:\n${failure}`, { pluginId: id, path: devFolder });
}

/** Rebuilds and reloads on every change until SIGINT or SIGTERM; a failed build or reload is reported and watching goes on. */
async function watchUntilSignal(context: CliContext, id: string, folder: string): Promise<void> {
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  process.once('SIGINT', abort).once('SIGTERM', abort);
  const refresh = async (): Promise<void> => {
    await notifySidecar(context, { changed: id }).catch((error: unknown) => context.warn(messageOf(error)));
  };
  try {
    await watchDevFolder(context, { id, folder, refresh }, stop.signal);
  } finally {
    process.off('SIGINT', abort).off('SIGTERM', abort);
  }
}

/** What is in the plugins folder under the id, in words for the question; undefined if nothing. */
async function describeEntry(entry: string, backupsFolder: string): Promise<string | undefined> {
  const info = await lstat(entry).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) return `the dev link to ${await readlink(entry)}`;
  // An installed plugin's folder is its only copy: say where it goes.
  if (info.isDirectory()) return `the installed plugin folder (a copy is kept in ${backupsFolder})`;
  return 'the file';
}

/** True when the entry is a dev link to `target` already: linking again only re-validates, nothing to ask. */
async function linksTo(entry: string, target: string): Promise<boolean> {
  const linked = await readlink(entry).catch(() => undefined);
  return linked !== undefined && path.resolve(path.dirname(entry), linked) === target;
}

/**
 * Asks on the terminal. Without one (a script, CI) nobody can answer, so the command refuses
 * at once as a usage error instead of waiting on stdin forever.
 */
async function confirm(question: string, id: string, entry: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new NdpError('invalid_argument', `the plugins folder already has an entry named ${id} (${entry}); pass --yes to replace it (stdin is not a terminal, so there is no one to ask)`, { pluginId: id, path: entry });
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // End of input (Ctrl-D) closes the prompt without an answer: that is a no.
    const answer = await new Promise<string>((resolve) => {
      prompt.once('close', () => resolve(''));
      prompt.question(question).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
