import { SubsonicAPIServiceService, SubsonicAPIServiceDefinition } from '../../../generated/ts/host/subsonicapi/subsonicapi';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const SubsonicAPIService = withReusedWriter({ grpc: SubsonicAPIServiceService, generic: SubsonicAPIServiceDefinition });

/** SubsonicAPIService's `env` import, `call`, under the calling version's permissions.subsonicapi. */
export const SUBSONICAPI_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('subsonicapi', SubsonicAPIService.call, ({ subsonic }, { pluginId, deadline, grant }, request) =>
    subsonic.call({ pluginId, deadline, permission: grant.subsonicapi }, request),
  ),
];
