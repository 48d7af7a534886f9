import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { NdpError } from '../errors';
import { checkPluginId, installPlugin, permissionRequests, pluginIdFromPackage } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext } from './cli-context';
import { notifySidecar } from './notify-sidecar';
import { recoverInterruptedChanges } from './recover-changes';
import { permissionLines } from './permission-lines';

/** `ndphost plugin install <file.ndp> [--id <id>]`. */
export function pluginInstallCommand(): Command {
  return configuredCommand('install', 'install a .ndp package as a new plugin, then tell the running sidecar')
    .argument('<package>', 'the .ndp package')
    .option('--id <id>', 'the plugin id (default: the package file name without .ndp)')
    .action(
      withContext(async (context, file: string, options: { id?: string }) => {
        requirePluginsEnabled(context.config);
        await recoverInterruptedChanges(context);
        const pluginsFolder = context.config.plugins.folder;
        const id = options.id === undefined ? pluginIdFromPackage(file) : checkPluginId(options.id);
        await refuseTaken(path.join(pluginsFolder, id), id, file);
        const { folder, manifest } = await installPlugin(pluginsFolder, file, { id, moduleRules: context.moduleRules });
        context.print(`installed ${id} ${manifest.version} (${manifest.name} by ${manifest.author}) in ${folder}`);
        const permissions = permissionRequests(manifest);
        if (permissions.length > 0) context.print('it asks for:', ...permissionLines(permissions));
        await notifySidecar(context, { changed: id });
      }),
    );
}

/**
 * An id in use fails (exit 1) with the exact command that would do what was meant. installPlugin
 * refuses it too (`failed_precondition`, at the final rename as well); this only shapes the
 * message for the common case.
 */
async function refuseTaken(folder: string, id: string, file: string): Promise<void> {
  const existing = await lstat(folder).catch(() => undefined);
  if (!existing) return;
  const hint = existing.isSymbolicLink()
    ? `it is a development link; remove it first with: ndphost plugin remove ${id}`
    : `use update to replace it: ndphost plugin update ${file}${id === safeIdOf(file) ? '' : ` --id ${id}`}`;
  throw new NdpError('failed_precondition', `plugin ${id} is already installed (${folder}); ${hint}`, { pluginId: id, path: folder });
}

function safeIdOf(file: string): string | undefined {
  try {
    return pluginIdFromPackage(file);
  } catch {
    return undefined;
  }
}
