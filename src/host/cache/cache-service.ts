import NodeCache from 'node-cache';
import type {
  GetBytesResponse,
  GetFloatResponse,
  GetIntResponse,
  GetStringResponse,
  SetBytesRequest,
  SetFloatRequest,
  SetIntRequest,
  SetStringRequest,
} from '../../../generated/ts/host/cache/cache';

export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** released-dialect.md, cache: `ttl_seconds` 0 or less means 24 hours. */
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
// A TTL beyond a century is "keep it": clamping keeps the milliseconds node-cache computes exact.
const MAX_TTL_SECONDS = 100 * 365 * DEFAULT_TTL_SECONDS;
// What one entry costs besides its key and value (the wrappers, the maps' slots): an estimate,
// so that a plugin storing millions of empty values still reaches its cap.
const ENTRY_OVERHEAD_BYTES = 64;
// How often expired entries are swept (they are also dropped on the next read of their key).
const CHECK_PERIOD_SECONDS = 60;

type Kind = 'string' | 'int' | 'float' | 'bytes';
type Value = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'int'; readonly value: string } | { readonly kind: 'float'; readonly value: number } | { readonly kind: 'bytes'; readonly value: Buffer };
type Entry = Value & { readonly ttlSeconds: number; readonly size: number };

export interface CacheServiceOptions {
  /** The most one plugin's entries may take (Plugins.CacheMaxBytes); older-expiring entries make room. */
  readonly maxBytesPerPlugin?: number;
}

/** One plugin's namespace: its own node-cache, and what its entries take. */
interface Namespace {
  readonly store: NodeCache;
  bytes: number;
}

/**
 * The cache host service: typed values per plugin with a time to live, on node-cache. Each plugin
 * has its own namespace, keyed by the plugin id its job carries, so plugins never see each
 * other's keys; a read (or `has`) extends an entry's TTL, as released Navidrome's did; a value of
 * another type reads as missing. Beyond the original, each plugin's entries are capped in size.
 */
export class CacheService {
  private readonly maxBytes: number;
  private readonly namespaces = new Map<string, Namespace>();

  constructor(options: CacheServiceOptions = {}) {
    this.maxBytes = options.maxBytesPerPlugin ?? DEFAULT_CACHE_MAX_BYTES;
  }

  setString(pluginId: string, { key, value, ttlSeconds }: SetStringRequest): { success: boolean } {
    return this.set(pluginId, key, { kind: 'string', value }, ttlSeconds, value.length * 2);
  }

  setInt(pluginId: string, { key, value, ttlSeconds }: SetIntRequest): { success: boolean } {
    return this.set(pluginId, key, { kind: 'int', value }, ttlSeconds, 8);
  }

  setFloat(pluginId: string, { key, value, ttlSeconds }: SetFloatRequest): { success: boolean } {
    return this.set(pluginId, key, { kind: 'float', value }, ttlSeconds, 8);
  }

  setBytes(pluginId: string, { key, value, ttlSeconds }: SetBytesRequest): { success: boolean } {
    // Copied: the request's bytes may be a view of a buffer the caller reuses.
    return this.set(pluginId, key, { kind: 'bytes', value: Buffer.from(value) }, ttlSeconds, value.length);
  }

  getString(pluginId: string, key: string): GetStringResponse {
    const entry = this.get(pluginId, key, 'string');
    return entry?.kind === 'string' ? { exists: true, value: entry.value } : { exists: false, value: '' };
  }

  getInt(pluginId: string, key: string): GetIntResponse {
    const entry = this.get(pluginId, key, 'int');
    return entry?.kind === 'int' ? { exists: true, value: entry.value } : { exists: false, value: '0' };
  }

  getFloat(pluginId: string, key: string): GetFloatResponse {
    const entry = this.get(pluginId, key, 'float');
    return entry?.kind === 'float' ? { exists: true, value: entry.value } : { exists: false, value: 0 };
  }

  getBytes(pluginId: string, key: string): GetBytesResponse {
    const entry = this.get(pluginId, key, 'bytes');
    return entry?.kind === 'bytes' ? { exists: true, value: entry.value } : { exists: false, value: Buffer.alloc(0) };
  }

  /** True for a value of any type; like a read, it extends the TTL. */
  has(pluginId: string, key: string): boolean {
    return this.get(pluginId, key, undefined) !== undefined;
  }

  /** Always succeeds, as released: removing a missing key is no failure. */
  remove(pluginId: string, key: string): { success: boolean } {
    this.namespaces.get(pluginId)?.store.del(internalKey(key));
    return { success: true };
  }

  /** The bytes a plugin's entries take, by this service's estimate (for tests and health). */
  bytesUsed(pluginId: string): number {
    return this.namespaces.get(pluginId)?.bytes ?? 0;
  }

  /**
   * What `pluginId` holds now, as a release of exactly that (see PluginState): entries a
   * refreshed version sets while it loads (in its OnInit) are spared.
   */
  hold(pluginId: string): () => Promise<void> {
    const namespace = this.namespaces.get(pluginId);
    const held = new Map((namespace?.store.keys() ?? []).map((id) => [id, namespace?.store.get<Entry>(id)]));
    return async () => {
      if (namespace === undefined || this.namespaces.get(pluginId) !== namespace) return;
      for (const [id, entry] of held) if (namespace.store.get<Entry>(id) === entry) namespace.store.del(id);
      if (namespace.store.keys().length === 0) this.drop(pluginId, namespace);
    };
  }

  /** Drops everything (shutdown): the cache is memory only, as released. */
  close(): void {
    for (const [pluginId, namespace] of [...this.namespaces]) this.drop(pluginId, namespace);
  }

  private drop(pluginId: string, namespace: Namespace): void {
    this.namespaces.delete(pluginId);
    namespace.store.flushAll();
    namespace.store.close();
  }

  private set(pluginId: string, key: string, value: Value, ttl: string, valueBytes: number): { success: boolean } {
    const size = key.length * 2 + valueBytes + ENTRY_OVERHEAD_BYTES;
    // A value larger than the whole cap could never be kept: refused, the cache left alone.
    if (size > this.maxBytes) return { success: false };
    const namespace = this.namespace(pluginId);
    const id = internalKey(key);
    // node-cache emits no "del" for an overwritten key: deleting it first gives its size back.
    namespace.store.del(id);
    this.makeRoom(namespace, size);
    const ttlSeconds = ttlOf(ttl);
    namespace.store.set<Entry>(id, { ...value, ttlSeconds, size }, ttlSeconds);
    namespace.bytes += size;
    return { success: true };
  }

  /** The entry under `key` (of `kind` when given), its TTL extended; undefined when missing or of another kind. */
  private get(pluginId: string, key: string, kind: Kind | undefined): Entry | undefined {
    const store = this.namespaces.get(pluginId)?.store;
    const id = internalKey(key);
    const entry = store?.get<Entry>(id);
    if (entry === undefined) return undefined;
    // Touch on hit, as released (ttlcache with touch-on-hit): also for a value of another type.
    store?.ttl(id, entry.ttlSeconds);
    return kind === undefined || entry.kind === kind ? entry : undefined;
  }

  /** Evicts the entries that would expire first until `size` more bytes fit under the cap. */
  private makeRoom(namespace: Namespace, size: number): void {
    if (namespace.bytes + size <= this.maxBytes) return;
    const { store } = namespace;
    const byExpiry = store.keys().sort((a, b) => (store.getTtl(a) ?? 0) - (store.getTtl(b) ?? 0));
    for (const id of byExpiry) {
      store.del(id);
      if (namespace.bytes + size <= this.maxBytes) return;
    }
  }

  private namespace(pluginId: string): Namespace {
    let namespace = this.namespaces.get(pluginId);
    if (namespace === undefined) {
      const store = new NodeCache({ stdTTL: DEFAULT_TTL_SECONDS, checkperiod: CHECK_PERIOD_SECONDS, useClones: false, deleteOnExpire: true });
      const created: Namespace = { store, bytes: 0 };
      // "del" fires for explicit removals and for expiry (node-cache deletes, then says "expired").
      store.on('del', (_key: string, entry: Entry) => (created.bytes -= entry.size));
      this.namespaces.set(pluginId, (namespace = created));
    }
    return namespace;
  }
}

/** node-cache treats an empty key as absent in ttl(); a prefix makes every plugin key non-empty. */
function internalKey(key: string): string {
  return `k:${key}`;
}

/** A request's `ttl_seconds` (an int64 as text) in seconds: 24 h for 0 or less, at most a century. */
function ttlOf(ttl: string): number {
  const seconds = BigInt(ttl);
  if (seconds <= 0n) return DEFAULT_TTL_SECONDS;
  return seconds > BigInt(MAX_TTL_SECONDS) ? MAX_TTL_SECONDS : Number(seconds);
}
