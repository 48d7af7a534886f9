import type * as Undici from 'undici';

/**
 * undici, required with the first request instead of at start-up: its ~110 modules cost a
 * starting sidecar ~50 ms and a few MB (issue 10), and a sidecar whose plugins make no HTTP
 * calls never needs them.
 */
export function undici(): typeof Undici {
  return require('undici') as typeof Undici;
}
