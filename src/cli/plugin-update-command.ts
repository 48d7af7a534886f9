import type { Command } from 'commander';
import { checkPluginId, updatePlugin } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext } from './cli-context';
import { notifySidecar } from './notify-sidecar';
import { recoverInterruptedChanges } from './recover-changes';

/** `ndphost plugin update <file.ndp> [--id <id>]`. */
export function pluginUpdateCommand(): Command {
  return configuredCommand('update', 'replace an installed plugin with a .ndp package (the old one stays on any failure), then tell the running sidecar')
    .argument('<package>', 'the .ndp package')
    .option('--id <id>', 'the plugin id (default: the package file name without .ndp)')
    .action(
      withContext(async (context, file: string, options: { id?: string }) => {
        requirePluginsEnabled(context.config);
        await recoverInterruptedChanges(context);
        const id = options.id === undefined ? undefined : checkPluginId(options.id);
        const result = await updatePlugin(context.config.plugins.folder, file, { id, moduleRules: context.moduleRules });
        context.print(`updated ${result.id}: ${result.oldVersion ?? '(unknown version)'} -> ${result.newVersion} in ${result.folder}`);
        await notifySidecar(context, { changed: result.id });
      }),
    );
}
