import type { Command } from 'commander';
import { NdpError } from '../errors';
import { checkPluginId } from '../plugins';
import { configuredCommand, requirePluginsEnabled, withContext } from './cli-context';
import { readInstalledPlugin } from './installed-plugins';
import { connectSidecar, noSidecarReason } from './sidecar-admin';

/** `ndphost plugin refresh <id>` (plugin-system.md, "Development Workflow", step 5). */
export function pluginRefreshCommand(): Command {
  return configuredCommand('refresh', 'make the running sidecar reload a plugin from its folder; without one, check the folder')
    .argument('<id>', 'the plugin id')
    .action(
      withContext(async (context, id: string) => {
        requirePluginsEnabled(context.config);
        checkPluginId(id);
        const sidecar = await connectSidecar(context.config);
        if (sidecar) {
          try {
            // An invalid new version comes back as FAILED_PRECONDITION naming why, the old one
            // still serving: exitWith prints it and exits 1.
            const { plugin, oldVersion, newVersion } = await sidecar.refresh(id);
            context.print(`refreshed ${id}: ${oldVersion || '(not loaded)'} -> ${newVersion} (${plugin?.state ?? 'unknown state'})`);
            return;
          } finally {
            sidecar.close();
          }
        }
        // Nothing to reload: say whether the next start would load it.
        const plugin = await readInstalledPlugin(context.config.plugins.folder, id, context.moduleRules);
        if (!plugin) throw new NdpError('unknown_plugin', `plugin ${id} is not installed in ${context.config.plugins.folder}`, { pluginId: id });
        const notRunning = noSidecarReason(context.config);
        if (plugin.state === 'valid') {
          context.print(`${id} ${plugin.manifest?.version} is valid; ${notRunning}, so it loads at the next start`);
          return;
        }
        throw new NdpError('failed_precondition', `${id} is not valid: ${plugin.error}; ${notRunning}`, { pluginId: id });
      }),
    );
}
