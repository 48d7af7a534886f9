import { Command } from 'commander';
import { pluginDevCommand } from './plugin-dev-command';
import { pluginInfoCommand } from './plugin-info-command';
import { pluginInstallCommand } from './plugin-install-command';
import { pluginListCommand } from './plugin-list-command';
import { pluginNewCommand } from './plugin-new-command';
import { pluginPackCommand } from './plugin-pack-command';
import { pluginRefreshCommand } from './plugin-refresh-command';
import { pluginRemoveCommand } from './plugin-remove-command';
import { pluginUpdateCommand } from './plugin-update-command';

/**
 * `ndphost plugin <command>` (plugin-system.md, "Plugin Management"). Every command reads the
 * same config as `serve`; those that change the plugins folder then tell the running sidecar,
 * through its admin listener (AdminAddress), so the change is served at once.
 */
export function pluginCommand(): Command {
  return new Command('plugin')
    .description('manage plugins: list, info, install, update, remove, new, dev, pack, refresh')
    .addCommand(pluginListCommand())
    .addCommand(pluginInfoCommand())
    .addCommand(pluginInstallCommand())
    .addCommand(pluginUpdateCommand())
    .addCommand(pluginRemoveCommand())
    .addCommand(pluginNewCommand())
    .addCommand(pluginDevCommand())
    .addCommand(pluginPackCommand())
    .addCommand(pluginRefreshCommand());
}
