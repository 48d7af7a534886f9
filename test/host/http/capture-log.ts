import pino, { type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** pino's number for `warn`, for filtering captured lines. */
export const WARN = 40;

/** A real pino logger at debug whose lines are parsed and kept in order. */
export class CapturedLog {
  readonly lines: LogLine[] = [];
  readonly log: Logger = pino({ level: 'debug' }, { write: (text: string) => void this.lines.push(JSON.parse(text) as LogLine) });

  /** Lines whose message is `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}
