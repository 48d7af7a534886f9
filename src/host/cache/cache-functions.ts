import { CacheServiceService, CacheServiceDefinition } from '../../../generated/ts/host/cache/cache';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const CacheService = withReusedWriter({ grpc: CacheServiceService, generic: CacheServiceDefinition });

/** CacheService's `env` imports. Keys live in the namespace of the plugin id the job carries. */
export const CACHE_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('cache', CacheService.setString, async ({ cache }, { pluginId }, request) => cache.setString(pluginId, request)),
  hostFunction('cache', CacheService.getString, async ({ cache }, { pluginId }, { key }) => cache.getString(pluginId, key)),
  hostFunction('cache', CacheService.setInt, async ({ cache }, { pluginId }, request) => cache.setInt(pluginId, request)),
  hostFunction('cache', CacheService.getInt, async ({ cache }, { pluginId }, { key }) => cache.getInt(pluginId, key)),
  hostFunction('cache', CacheService.setFloat, async ({ cache }, { pluginId }, request) => cache.setFloat(pluginId, request)),
  hostFunction('cache', CacheService.getFloat, async ({ cache }, { pluginId }, { key }) => cache.getFloat(pluginId, key)),
  hostFunction('cache', CacheService.setBytes, async ({ cache }, { pluginId }, request) => cache.setBytes(pluginId, request)),
  hostFunction('cache', CacheService.getBytes, async ({ cache }, { pluginId }, { key }) => cache.getBytes(pluginId, key)),
  hostFunction('cache', CacheService.remove, async ({ cache }, { pluginId }, { key }) => cache.remove(pluginId, key)),
  hostFunction('cache', CacheService.has, async ({ cache }, { pluginId }, { key }) => ({ exists: cache.has(pluginId, key) })),
];
