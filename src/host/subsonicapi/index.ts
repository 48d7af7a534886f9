/** The subsonicapi host service: the main server's Subsonic API, as one of its users. */
export {
  /** Forwards plugin calls to the Subsonic API through the trusted reverse-proxy header. */
  SubsonicApiService,
} from './subsonicapi-service';
export type { SubsonicApiServiceOptions } from './subsonicapi-service';
export type { SubsonicApiPermission } from './subsonicapi-permission';
export {
  /** Its `env` import, `call`. */
  SUBSONICAPI_FUNCTIONS,
} from './subsonicapi-functions';
