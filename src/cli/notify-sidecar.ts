import path from 'node:path';
import { NdpError } from '../errors';
import { releasePersistedPluginState } from '../host';
import { lstatOrUndefined } from '../plugins';
import type { CliContext } from './cli-context';
import { connectSidecar, noSidecarReason } from './sidecar-admin';

/** What changed in the plugins folder: a plugin added or replaced, or one removed. */
export type PluginChange = { readonly changed: string } | { readonly removed: string };

/**
 * Tells the running sidecar, through its admin listener (AdminAddress), about a change the command just made, and prints what it
 * answered: a refresh of the plugin (RefreshPlugin) or, after a removal, a rescan (RescanAll).
 * Without a running sidecar the change waits for its next start. A sidecar that refuses the new
 * version (FAILED_PRECONDITION, the old one keeps serving) fails the command: the files are in
 * place but what serves is not what the user asked for. Another command may change the same
 * plugin in between (two terminals, a script): what it did is its own to report, so this one
 * says what the sidecar serves now and succeeds. Resolves whether a sidecar was told.
 */
export async function notifySidecar(context: CliContext, change: PluginChange): Promise<boolean> {
  const sidecar = await connectSidecar(context.config);
  if (!sidecar) {
    context.print(`${noSidecarReason(context.config)}; the change takes effect at its next start`);
    return false;
  }
  const id = 'changed' in change ? change.changed : change.removed;
  const ours = path.join(context.config.plugins.folder, id);
  // The entry itself (a dev link counts even when its target is gone), as this command left it or another changed it.
  const present = async () => (await lstatOrUndefined(ours)) !== undefined;
  try {
    if ('changed' in change) {
      let refreshed: Awaited<ReturnType<typeof sidecar.refresh>>;
      try {
        refreshed = await sidecar.refresh(id);
      } catch (error) {
        if (await present()) throw error;
        context.print(`sidecar at ${sidecar.address} does not serve ${id}: another command removed it while this change ran (${ours})`);
        return true;
      }
      const { plugin, oldVersion, newVersion } = refreshed;
      const versions = oldVersion ? `${oldVersion} -> ${newVersion}` : newVersion;
      context.print(`sidecar at ${sidecar.address} ${oldVersion ? 'reloaded' : 'loaded'} ${id} ${versions} (${plugin?.state ?? 'unknown state'})`);
    } else {
      const plugins = await sidecar.rescan();
      const left = plugins.find((plugin) => plugin.id === id);
      if (left?.folder === ours && (await present())) {
        context.print(`sidecar at ${sidecar.address} serves ${id} again: another command installed it while this removal ran (${ours})`);
        return true;
      }
      if (left) {
        throw new NdpError('failed_precondition', `sidecar at ${sidecar.address} still serves ${id} from ${left.folder} after a rescan; is it using another Plugins.Folder?`, { pluginId: id });
      }
      context.print(`sidecar at ${sidecar.address} dropped ${id}; ${plugins.length} plugin${plugins.length === 1 ? '' : 's'} left`);
    }
    return true;
  } finally {
    sidecar.close();
  }
}

/**
 * After a plugin's folder is gone: the running sidecar drops it and releases what it held (its
 * timers); with none running, the CLI takes the plugin's records out of the data folder's files
 * itself. Never both: a running sidecar keeps them in memory and would write them back.
 */
export async function notifyRemoval(context: CliContext, id: string): Promise<void> {
  if (await notifySidecar(context, { removed: id })) return;
  for (const { file, what, count } of await releasePersistedPluginState(context.config.dataFolder, id)) {
    if (count > 0) context.print(`removed ${id}'s ${what} from ${file} (${count})`);
  }
}
