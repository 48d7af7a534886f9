import type { Sidecar } from '../../src/sidecar';
import type { ApiClients } from './api-clients';
import { startConfiguredSidecar } from './configured-sidecar';

/** A real sidecar on 127.0.0.1 with real clients, both closed by `close`. */
export interface TestSidecar {
  readonly sidecar: Sidecar;
  readonly address: string;
  /** The admin listener: by default `unix:<data folder>/admin.sock`. */
  readonly adminAddress?: string;
  readonly clients: ApiClients;
  close(): Promise<void>;
}

/** Starts a sidecar over a plugins folder; `args` are config flags (e.g. `--plugins-order`). */
export function startTestSidecar(pluginsFolder: string, args: string[] = []): Promise<TestSidecar> {
  return startConfiguredSidecar(pluginsFolder, { args });
}
