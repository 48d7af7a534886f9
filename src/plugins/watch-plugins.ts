import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PluginManager } from './plugin-manager';

export interface PluginWatcher {
  close(): void;
}

/**
 * Plugins.AutoReload: watches the plugins folder (plugins added or removed) and each plugin's
 * own folder, following dev symlinks to their targets (a rebuilt plugin.wasm), and rescans once
 * the writes settle. A rescan reloads only plugins whose files changed, and a half-written
 * module that fails to load leaves the old version serving until the next write.
 */
export function watchPlugins(manager: PluginManager, folder: string, log: Logger, debounceMs = 300): PluginWatcher {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void rescan(), debounceMs);
  };
  const follow = (path: string): void => {
    // A rescan that was running when close() came must not start watching again.
    if (closed || watchers.has(path)) return;
    try {
      watchers.set(path, watch(path, schedule).on('error', () => unfollow(path)));
    } catch (error) {
      log.warn({ path, err: error }, 'cannot watch plugin folder');
    }
  };
  const unfollow = (path: string): void => {
    watchers.get(path)?.close();
    watchers.delete(path);
  };
  const rescan = async (): Promise<void> => {
    if (closed) return;
    const statuses = await manager.rescan().catch((error: unknown) => {
      log.error({ err: error }, 'auto-reload rescan failed');
      return manager.list();
    });
    const targets = new Set([folder, ...(await Promise.all(statuses.map((status) => realpath(status.folder).catch(() => status.folder))))]);
    for (const path of [...watchers.keys()]) if (!targets.has(path)) unfollow(path);
    for (const path of targets) follow(path);
  };

  // The folder itself is watched at once, so nothing added while the first rescan runs is missed.
  follow(folder);
  void rescan();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const path of [...watchers.keys()]) unfollow(path);
    },
  };
}
