import type { PluginInfo } from '../../generated/ts/ndphost/admin/v1/admin';
import { isKind, NdpError } from '../errors';
import { checkPluginId, type PluginManager, type PluginStatus } from '../plugins';

type Admin = Pick<PluginManager, 'list' | 'reload' | 'rescan' | 'isQuarantined'>;

/**
 * ndphost.admin.v1.PluginAdmin: what `ndphost plugin refresh` and `plugin list --live` ask a
 * running sidecar. Reached on the sidecar's own address, which must stay on its host.
 */
export function pluginAdminHandlers(plugins: Admin) {
  const info = (status: PluginStatus): PluginInfo => toPluginInfo(status, plugins.isQuarantined(status.id));
  const find = (id: string): PluginStatus => {
    checkPluginId(id);
    const status = plugins.list().find((candidate) => candidate.id === id);
    if (!status) throw new NdpError('unknown_plugin', `no plugin ${id} in the plugins folder`, { pluginId: id });
    return status;
  };
  return {
    listPlugins: async () => ({ plugins: plugins.list().map(info) }),
    getPlugin: async ({ id }: { id: string }) => ({ plugin: info(find(id)) }),
    rescanAll: async () => ({ plugins: (await plugins.rescan()).map(info) }),
    refreshPlugin: async ({ id }: { id: string }) => {
      // Before anything else: an id is a folder name, and each one asked for costs the manager
      // an entry while its change runs (issue 8: 12,000 distinct 30 KB ids held 840 MiB).
      checkPluginId(id);
      try {
        const { status, oldVersion } = await plugins.reload(id);
        return { plugin: info(status), oldVersion: oldVersion ?? '', newVersion: status.plugin?.manifest.version ?? '' };
      } catch (error) {
        if (isKind(error, 'unknown_plugin') || !(error instanceof NdpError)) throw error;
        const kept = plugins.list().some((status) => status.id === id && status.state === 'ready');
        throw new NdpError('failed_precondition', `${error.message}${kept ? '; the old version keeps serving' : ''}`, { pluginId: id, cause: error });
      }
    },
  };
}

/** A plugin's status as the admin service reports it. */
function toPluginInfo(status: PluginStatus, quarantined: boolean): PluginInfo {
  const manifest = status.plugin?.manifest;
  return {
    id: status.id,
    name: manifest?.name ?? '',
    author: manifest?.author ?? '',
    version: manifest?.version ?? '',
    description: manifest?.description ?? '',
    services: manifest?.services ?? [],
    state: quarantined && status.state === 'ready' ? 'quarantined' : status.state,
    error: status.error?.message ?? '',
    dev: status.dev,
    folder: status.folder,
    wasmSha256: status.plugin?.hash ?? '',
  };
}
