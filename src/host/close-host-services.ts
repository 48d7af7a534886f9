import type { HostServices } from './host-function';

/** Stops every host service at shutdown; what persists (timers, schedules) stays on disk for the next start. */
export async function closeHostServices(services: HostServices): Promise<void> {
  services.cache.close();
  services.websockets.close();
  await Promise.all([services.timers.close(), services.scheduler.close(), services.http.close(), services.subsonic.close()]);
}
