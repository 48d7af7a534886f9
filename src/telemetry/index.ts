/** Telemetry: Prometheus metrics, OpenTelemetry traces and logs, fed by hooks from the layers below. */
export {
  /** Builds a sidecar's metrics, tracer and access log from its config (each only when configured). */
  createTelemetry,
} from './telemetry';
export type { Telemetry } from './telemetry';
export type { MetricSources } from './sidecar-metrics';
export {
  /** The sidecar's logger: JSON or pino-pretty lines (LogFormat), expected failures without stacks. */
  createLogger,
} from './create-logger';
export type { LoggerOptions } from './create-logger';
