import { NdpError } from '../../errors';
import { HTTP_METHODS, toHttpMethod, type HttpMethod } from './http-method';
import { parseUrlPattern, type UrlPattern } from './url-pattern';

/**
 * A plugin's `permissions.http` (contract.md, manifest.json). Declared here rather than imported
 * from src/plugins because src/host sits below src/plugins; the manifest's type has this shape
 * and the plugins layer hands its value in.
 */
export interface HttpPermission {
  reason: string;
  /** URL pattern -> methods (`*` for all). */
  allowedUrls?: Record<string, string[]>;
  allowLocalNetwork?: boolean;
}

/** A permission turned into checks, once per plugin. */
export interface HttpPolicy {
  readonly allowLocalNetwork: boolean;
  /** Why `method url` is not permitted, or undefined when it is. */
  refusal(method: HttpMethod, url: URL): string | undefined;
}

interface Rule {
  readonly pattern: UrlPattern;
  /** undefined: every method (`*`). */
  readonly methods: ReadonlySet<HttpMethod> | undefined;
}

/**
 * Compiles `permissions.http`; a bad pattern or method is a `bad_manifest` naming the plugin and
 * the pattern, so the plugins layer can call this at load time and refuse the plugin early.
 */
export function compileHttpPolicy(permission: HttpPermission, pluginId: string): HttpPolicy {
  const rules = Object.entries(permission.allowedUrls ?? {}).map(([source, names]): Rule => {
    const field = `permissions.http.allowedUrls[${JSON.stringify(source)}]`;
    const fail = (problem: string): never => {
      throw new NdpError('bad_manifest', `plugin ${pluginId}: manifest.json: URL pattern ${JSON.stringify(source)} ${problem}`, { pluginId, field });
    };
    const pattern = parseUrlPattern(source);
    if ('problem' in pattern) return fail(pattern.problem);
    if (names.includes('*')) return { pattern, methods: undefined };
    const methods = names.map((name) => toHttpMethod(name) ?? fail(`lists method ${JSON.stringify(name)}; use ${HTTP_METHODS.join(', ')} or *`));
    return { pattern, methods: new Set(methods) };
  });

  return {
    allowLocalNetwork: permission.allowLocalNetwork === true,
    refusal(method, url) {
      // A permission without patterns allows nothing: the manifest names what may be reached.
      if (rules.length === 0) return 'permissions.http lists no allowedUrls';
      const matching = rules.filter((rule) => rule.pattern.matches(url));
      if (matching.length === 0) return 'no pattern in permissions.http.allowedUrls matches it';
      if (matching.some((rule) => rule.methods === undefined || rule.methods.has(method))) return undefined;
      const listed = matching.map((rule) => `${rule.pattern.source} (${[...(rule.methods ?? [])].join(', ')})`).join('; ');
      return `method ${method} is not listed for ${listed}`;
    },
  };
}
