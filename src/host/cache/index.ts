/** The cache host service: typed values per plugin with a TTL, capped per plugin. */
export {
  /** The per-plugin caches; `release(pluginId)` when a plugin goes, `close()` at shutdown. */
  CacheService,
} from './cache-service';
export type { CacheServiceOptions } from './cache-service';
export {
  /** Its `env` imports: set_/get_string, _int, _float, _bytes, remove, has. */
  CACHE_FUNCTIONS,
} from './cache-functions';
