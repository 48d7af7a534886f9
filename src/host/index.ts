/** Host services plugins reach through `env` imports: HTTP and timers, and the broker between them and the sandbox. */
export {
  /** The names of the host functions plugins import from `env`. */
  HOST_FUNCTIONS,
  /** Serves host calls from the sandbox with the services below. */
  createHostBroker,
} from './host-broker';
export type { HostServices } from './host-broker';
export { HttpService } from './http';
export type { HttpPermission } from './http';
export { TimerService } from './timer';
