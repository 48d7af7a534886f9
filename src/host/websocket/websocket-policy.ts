import { NdpError } from '../../errors';
import { parseUrlPattern, type UrlPattern } from '../http';

/** A manifest's `permissions.websocket`, as the plugins layer hands it in. */
export interface WebSocketPermission {
  readonly reason: string;
  /** URL patterns (`wss://host/*`, `*`) a plugin may connect to. */
  readonly allowedUrls: readonly string[];
  readonly allowLocalNetwork?: boolean;
}

/** A permission turned into checks, once per plugin version. */
export interface WebSocketPolicy {
  readonly allowLocalNetwork: boolean;
  /** Why a connection to `url` is not permitted, or undefined when it is. */
  refusal(url: URL): string | undefined;
}

/** Compiles `permissions.websocket`; a bad pattern is a `bad_manifest` naming it, raised at load. */
export function compileWebSocketPolicy(permission: WebSocketPermission, pluginId: string): WebSocketPolicy {
  const patterns = permission.allowedUrls.map((source): UrlPattern => {
    const pattern = parseUrlPattern(source, ['ws', 'wss']);
    if ('problem' in pattern) {
      throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json: URL pattern ${JSON.stringify(source)} ${pattern.problem}`, {
        pluginId,
        field: 'permissions.websocket.allowedUrls',
      });
    }
    return pattern;
  });
  return {
    allowLocalNetwork: permission.allowLocalNetwork === true,
    refusal(url) {
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `unsupported URL scheme "${url.protocol.slice(0, -1)}"; only ws and wss are allowed`;
      return patterns.some((pattern) => pattern.matches(url)) ? undefined : 'no pattern in permissions.websocket.allowedUrls matches it';
    },
  };
}
