import type { PermissionRequest } from '../plugins';

/** The permissions a plugin asks for, as indented lines for `plugin info` and `plugin install`. */
export function permissionLines(permissions: readonly PermissionRequest[]): string[] {
  if (permissions.length === 0) return ['  none'];
  return permissions.flatMap((permission) => [
    `  ${permission.hostService}: ${permission.reason}`,
    ...Object.entries(permission.allowedUrls ?? {}).map(([pattern, methods]) => `    ${pattern} (${methods.join(', ')})`),
    ...(permission.allowLocalNetwork ? ['    local network: allowed'] : []),
  ]);
}
