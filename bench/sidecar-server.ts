/**
 * The subject: the sidecar as `ndphost serve` composes it (config -> startSidecar), with a
 * plugins folder the bench prepared. Run as a child process; it reports its port over IPC once
 * every plugin has loaded.
 */
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startSidecar } from '../src/sidecar';
import type { CloseServer, ServerReady, SidecarProcessOptions } from './child-messages';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as SidecarProcessOptions;
  const args = ['--address', '127.0.0.1:0', '--plugins-folder', options.pluginsFolder, '--data-folder', options.dataFolder];
  if (options.order?.length) args.push('--plugins-order', options.order.join(','));
  args.push(...(options.args ?? []));
  const sidecar = await startSidecar(loadConfig({ env: {}, args }), pino({ level: 'warn' }));
  process.send?.({ type: 'ready', port: sidecar.port } satisfies ServerReady);
  process.on('message', (message: CloseServer) => {
    if (message.type === 'close') void sidecar.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
