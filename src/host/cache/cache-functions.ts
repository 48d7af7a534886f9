import { CacheServiceService } from '../../../generated/ts/host/cache/cache';
import { hostFunction, type HostFunction } from '../host-function';

/** CacheService's `env` imports. Keys live in the namespace of the plugin id the job carries. */
export const CACHE_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('cache', CacheServiceService.setString, async ({ cache }, { pluginId }, request) => cache.setString(pluginId, request)),
  hostFunction('cache', CacheServiceService.getString, async ({ cache }, { pluginId }, { key }) => cache.getString(pluginId, key)),
  hostFunction('cache', CacheServiceService.setInt, async ({ cache }, { pluginId }, request) => cache.setInt(pluginId, request)),
  hostFunction('cache', CacheServiceService.getInt, async ({ cache }, { pluginId }, { key }) => cache.getInt(pluginId, key)),
  hostFunction('cache', CacheServiceService.setFloat, async ({ cache }, { pluginId }, request) => cache.setFloat(pluginId, request)),
  hostFunction('cache', CacheServiceService.getFloat, async ({ cache }, { pluginId }, { key }) => cache.getFloat(pluginId, key)),
  hostFunction('cache', CacheServiceService.setBytes, async ({ cache }, { pluginId }, request) => cache.setBytes(pluginId, request)),
  hostFunction('cache', CacheServiceService.getBytes, async ({ cache }, { pluginId }, { key }) => cache.getBytes(pluginId, key)),
  hostFunction('cache', CacheServiceService.remove, async ({ cache }, { pluginId }, { key }) => cache.remove(pluginId, key)),
  hostFunction('cache', CacheServiceService.has, async ({ cache }, { pluginId }, { key }) => ({ exists: cache.has(pluginId, key) })),
];
