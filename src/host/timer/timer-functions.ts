import { TimerServiceService } from '../../../generated/ts/host/timer/timer';
import { hostFunction, type HostFunction } from '../host-function';

/** TimerService's `env` imports. Timer ids are scoped by the plugin id the job carries. */
export const TIMER_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('timer', TimerServiceService.registerTimer, (services, call, request) => services.timers.register(call.pluginId, request)),
  hostFunction('timer', TimerServiceService.cancelTimer, (services, call, request) => services.timers.cancel(call.pluginId, request)),
];
