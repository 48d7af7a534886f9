import path from 'node:path';
import type { Logger } from 'pino';
import { ArtworkService, CacheService, HttpService, SchedulerService, SubsonicApiService, TimerService, WebSocketService, type HostServices } from '../../src/host';

/**
 * Every host service with test defaults (timers in `folder`, nothing delivered anywhere), for
 * tests that build a sandbox and a plugin manager by hand; `overrides` replaces any of them.
 * The caller starts the timers and the scheduler, and closes everything (closeHostServices).
 */
export function testHostServices(folder: string, log: Logger, overrides: Partial<HostServices> = {}): HostServices {
  return {
    http: overrides.http ?? new HttpService({ defaultPolicy: 'deny', allowLocalNetwork: false, log }),
    timers: overrides.timers ?? new TimerService({ file: path.join(folder, 'timers.json'), fire: async () => undefined, log }),
    cache: overrides.cache ?? new CacheService(),
    websockets: overrides.websockets ?? new WebSocketService({ allowLocalNetwork: false, deliver: async () => undefined, log }),
    artwork: overrides.artwork ?? new ArtworkService({ baseUrl: '', shareUrl: '', jwtSecret: '', log }),
    scheduler: overrides.scheduler ?? new SchedulerService({ file: path.join(folder, 'schedules.json'), fire: async () => undefined, log }),
    subsonic: overrides.subsonic ?? new SubsonicApiService({ subsonicUrl: '', userHeader: 'Remote-User', maxBodyBytes: 1 << 20, log }),
  };
}
