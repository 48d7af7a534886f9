/** A manifest's `permissions.subsonicapi`, as the plugins layer hands it in. */
export interface SubsonicApiPermission {
  readonly reason: string;
  /** Users a plugin may act as, compared case-insensitively; empty: any user. */
  readonly allowedUsernames?: readonly string[];
  /** Whether it may act as an admin user (default false). */
  readonly allowAdmins?: boolean;
}
