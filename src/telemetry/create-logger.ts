import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config';
import { NdpError } from '../errors';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go (stdout by default); tests pass a stream. */
  readonly destination?: DestinationStream;
  /** Whether the destination is a terminal, which `auto` follows (stdout's by default). */
  readonly isTTY?: boolean;
}

/**
 * The sidecar's logger: JSON lines for log collectors, or human-readable lines via pino-pretty
 * for a person at a terminal (`LogFormat = auto` picks by whether stdout is a TTY).
 *
 * @example
 *   const log = createLogger({ level: config.logLevel, format: config.logFormat });
 */
export function createLogger(options: LoggerOptions): Logger {
  const isTTY = options.isTTY ?? process.stdout.isTTY === true;
  const settings = { level: options.level, serializers: { err: serializeError } };
  const format = options.format === 'auto' ? (isTTY ? 'pretty' : 'json') : options.format;
  if (format === 'json') return options.destination ? pino(settings, options.destination) : pino(settings);
  // Required here, not at start-up, where a sidecar writing JSON lines would load it for nothing.
  const pretty = require('pino-pretty') as typeof PinoPretty;
  // Synchronous like pino's own stdout writes, so the last lines before an exit are not lost.
  return pino(settings, pretty({ destination: options.destination ?? 1, sync: true, colorize: isTTY, translateTime: 'SYS:HH:MM:ss.l' }));
}

/** What a logged error shows. */
export type LoggedError = ReturnType<typeof pino.stdSerializers.err> | { type: string; kind: string; message: string; plugin?: string; export?: string };

/**
 * An NdpError reports an outcome whose cause is known and named in its message (a plugin's
 * answer, its time limit, a DNS failure of its request): its stack would show only ndphost's
 * plumbing, so it is logged as message and kind. `internal` errors and anything that is not an
 * NdpError are ndphost's own faults and keep their stacks.
 */
export function serializeError(error: unknown): LoggedError | unknown {
  if (error instanceof NdpError && error.kind !== 'internal') {
    return { type: error.name, kind: error.kind, message: error.message, plugin: error.pluginId, export: error.export };
  }
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}
