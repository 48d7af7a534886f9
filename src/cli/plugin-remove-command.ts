import type { Command } from 'commander';
import { releasePersistedPluginState } from '../host';
import { removePlugin } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext } from './cli-context';
import { notifySidecar } from './notify-sidecar';

/** `ndphost plugin remove <id>`. */
export function pluginRemoveCommand(): Command {
  return configuredCommand('remove', "remove an installed plugin (for a dev link, only the link) and its timers, then tell the running sidecar")
    .argument('<id>', 'the plugin id')
    .action(
      withContext(async (context, id: string) => {
        requirePluginsEnabled(context.config);
        const result = await removePlugin(context.config.plugins.folder, id);
        if (result.keptTarget === undefined) context.print(`removed ${id} (${result.folder})`);
        else context.print(`removed the dev link ${id} (${result.folder}); its target ${result.keptTarget} was kept`);
        // A running sidecar releases the plugin's state as it drops it (and would write back
        // anything removed behind its back); without one, the files are ours to change.
        if (await notifySidecar(context, { removed: id })) return;
        for (const { file, what, count } of await releasePersistedPluginState(context.config.dataFolder, id)) {
          if (count > 0) context.print(`removed ${id}'s ${what} from ${file} (${count})`);
        }
      }),
    );
}
