import { recoverLeftovers } from '../plugins';
import type { CliContext } from './cli-context';
import { notifyRemoval, notifySidecar } from './notify-sidecar';

/**
 * Run first by the commands that change the plugins folder: finishes or undoes the changes a
 * crash cut short (an update between its two renames had made the plugin vanish, issue 8), says
 * what it did, and brings the running sidecar (or, with none, the data folder) in line. A change
 * another command is still making is that command's business, and nothing is said of it here
 * (`plugin list` shows it): two commands run side by side each report only their own work.
 */
export async function recoverInterruptedChanges(context: CliContext): Promise<void> {
  for (const { id, outcome, message } of await recoverLeftovers(context.config.plugins.folder)) {
    if (outcome === 'in-progress') continue;
    context.print(`recovered: ${message}`);
    if (id === undefined) continue;
    if (outcome === 'restored') await notifySidecar(context, { changed: id });
    else if (outcome === 'finished-removal') await notifyRemoval(context, id);
  }
}
