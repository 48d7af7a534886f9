import { SubsonicAPIServiceService } from '../../../generated/ts/host/subsonicapi/subsonicapi';
import { hostFunction, type HostFunction } from '../host-function';

/** SubsonicAPIService's `env` import, `call`, under the calling version's permissions.subsonicapi. */
export const SUBSONICAPI_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('subsonicapi', SubsonicAPIServiceService.call, ({ subsonic }, { pluginId, deadline, grant }, request) =>
    subsonic.call({ pluginId, deadline, permission: grant.subsonicapi }, request),
  ),
];
