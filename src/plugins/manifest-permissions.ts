/**
 * JSON Schema pieces for `permissions.<host service>` entries, shared by both manifest forms, as
 * released Navidrome's loader enforced them (released-dialect.md, section 1): a non-empty
 * `reason` in each, the listed fields typed, unknown fields ignored.
 */

const reason = { type: 'string', minLength: 1 } as const;

/** Methods as released wrote them: exact upper case, or `*`. */
export const RELEASED_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', '*'] as const;

/** `permissions.websocket`: `allowedUrls` is required and lists at least one pattern. */
export const WEBSOCKET_PERMISSION = {
  type: 'object',
  required: ['reason', 'allowedUrls'],
  properties: {
    reason,
    allowedUrls: { type: 'array', minItems: 1, items: { type: 'string' } },
    allowLocalNetwork: { type: 'boolean' },
  },
} as const;

/** `permissions.subsonicapi`. */
export const SUBSONICAPI_PERMISSION = {
  type: 'object',
  required: ['reason'],
  properties: {
    reason,
    allowedUsernames: { type: 'array', items: { type: 'string' } },
    allowAdmins: { type: 'boolean' },
  },
} as const;

/**
 * `permissions.http` in the capabilities form. `allowedUrls` must name at least one pattern:
 * released Navidrome accepted `{}` in the manifest but then failed to create the plugin's
 * runtime, so such a plugin never loaded; here the manifest check says so.
 */
export const RELEASED_HTTP_PERMISSION = {
  type: 'object',
  required: ['reason', 'allowedUrls'],
  properties: {
    reason,
    allowedUrls: { type: 'object', minProperties: 1, additionalProperties: { type: 'array', items: { type: 'string', enum: [...RELEASED_HTTP_METHODS] } } },
    allowLocalNetwork: { type: 'boolean' },
  },
} as const;

/** Every other host service: a reason only. */
export const REASON_ONLY_PERMISSION = { type: 'object', required: ['reason'], properties: { reason } } as const;
