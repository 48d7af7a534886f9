import { TimerServiceService, TimerServiceDefinition } from '../../../generated/ts/host/timer/timer';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const TimerService = withReusedWriter({ grpc: TimerServiceService, generic: TimerServiceDefinition });

/** TimerService's `env` imports. Timer ids are scoped by the plugin id the job carries. */
export const TIMER_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('timer', TimerService.registerTimer, (services, call, request) => services.timers.register(call.pluginId, request)),
  hostFunction('timer', TimerService.cancelTimer, (services, call, request) => services.timers.cancel(call.pluginId, request)),
];
