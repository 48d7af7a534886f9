import type { PermissionRequest } from '../plugins';

/** The permissions a plugin asks for, as indented lines for `plugin info` and `plugin install`. */
export function permissionLines(permissions: readonly PermissionRequest[]): string[] {
  if (permissions.length === 0) return ['  none'];
  return permissions.flatMap((permission) => [
    `  ${permission.hostService}: ${permission.reason}`,
    ...urlLines(permission.allowedUrls),
    ...(permission.allowLocalNetwork ? ['    local network: allowed'] : []),
    ...(permission.allowedUsernames ? [`    users: ${permission.allowedUsernames.length > 0 ? permission.allowedUsernames.join(', ') : 'any'}`] : []),
    ...(permission.hostService === 'subsonicapi' ? [`    admin users: ${permission.allowAdmins ? 'allowed' : 'refused'}`] : []),
  ]);
}

/** http: one line per pattern with its methods; websocket: one line per pattern. */
function urlLines(allowedUrls: PermissionRequest['allowedUrls']): string[] {
  if (allowedUrls === undefined) return [];
  if (Array.isArray(allowedUrls)) return allowedUrls.map((pattern: string) => `    ${pattern}`);
  return Object.entries(allowedUrls).map(([pattern, methods]) => `    ${pattern} (${methods.join(', ')})`);
}
