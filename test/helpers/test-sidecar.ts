import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startSidecar, type Sidecar } from '../../src/sidecar';
import { ApiClients } from './api-clients';

/** A real sidecar on 127.0.0.1 with real clients, both closed by `close`. */
export interface TestSidecar {
  readonly sidecar: Sidecar;
  readonly address: string;
  readonly clients: ApiClients;
  close(): Promise<void>;
}

/** Starts a sidecar over a plugins folder; `args` are config flags (e.g. `--plugins-order`). */
export async function startTestSidecar(pluginsFolder: string, args: string[] = []): Promise<TestSidecar> {
  const dataFolder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-data-'));
  const config = loadConfig({
    env: {},
    args: ['--address', '127.0.0.1:0', '--data-folder', dataFolder, '--plugins-folder', pluginsFolder, ...args],
  });
  const sidecar = await startSidecar(config, pino({ level: 'silent' }));
  const address = `127.0.0.1:${sidecar.port}`;
  const clients = new ApiClients(address);
  return {
    sidecar,
    address,
    clients,
    async close() {
      clients.close();
      await sidecar.close();
      rmSync(dataFolder, { recursive: true, force: true });
    },
  };
}
