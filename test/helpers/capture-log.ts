import pino, { type Logger } from 'pino';
import { defer } from './defer';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** pino's number for `warn`, for filtering captured lines. */
export const WARN = 40;

/** A real pino logger at debug whose lines are kept in order, with a way to wait for one. */
export class CapturedLog {
  readonly lines: LogLine[] = [];
  readonly log: Logger;
  private waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor() {
    this.log = pino({ level: 'debug' }, {
      write: (text: string) => {
        const line = JSON.parse(text) as LogLine;
        this.lines.push(line);
        this.waiters = this.waiters.filter((waiter) => !(waiter.match(line) && (waiter.resolve(line), true)));
      },
    });
  }

  /** Lines whose message is `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** The first line (already logged or still to come) that `match` accepts. */
  waitFor(match: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    const waiter = defer<LogLine>();
    this.waiters.push({ match, resolve: waiter.resolve });
    return waiter.promise;
  }
}
