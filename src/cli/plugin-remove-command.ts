import type { Command } from 'commander';
import { removePlugin } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext } from './cli-context';
import { notifyRemoval } from './notify-sidecar';
import { recoverInterruptedChanges } from './recover-changes';

/** `ndphost plugin remove <id>`. */
export function pluginRemoveCommand(): Command {
  return configuredCommand('remove', 'remove an installed plugin (for a dev link, only the link) and its timers, then tell the running sidecar')
    .argument('<id>', 'the plugin id')
    .action(
      withContext(async (context, id: string) => {
        requirePluginsEnabled(context.config);
        await recoverInterruptedChanges(context);
        const result = await removePlugin(context.config.plugins.folder, id);
        if (result.keptTarget === undefined) context.print(`removed ${id} (${result.folder})`);
        else context.print(`removed the dev link ${id} (${result.folder}); its target ${result.keptTarget} was kept`);
        await notifyRemoval(context, id);
      }),
    );
}
