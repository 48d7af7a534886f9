import type { HostServices } from './host-function';

/**
 * Releases everything the host services keep for one plugin: the one place that knows the list.
 * Called when a plugin version goes (refresh, remove), so nothing of it outlives it: timers are
 * and schedules cancelled (and their files rewritten), cache entries dropped, sockets closed
 * without callbacks.
 */
export async function releasePluginState(services: HostServices, pluginId: string): Promise<void> {
  services.cache.release(pluginId);
  services.websockets.release(pluginId);
  await Promise.all([services.timers.cancelAll(pluginId), services.scheduler.release(pluginId)]);
}

/** Stops every host service at shutdown; what persists (timers, schedules) stays on disk for the next start. */
export async function closeHostServices(services: HostServices): Promise<void> {
  services.cache.close();
  services.websockets.close();
  await Promise.all([services.timers.close(), services.scheduler.close(), services.http.close(), services.subsonic.close()]);
}
