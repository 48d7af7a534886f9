/**
 * The subject: the sidecar as `ndphost serve` composes it (config -> startSidecar), with a
 * plugins folder the bench prepared. Run as a child process; it reports its port over IPC once
 * every plugin has loaded.
 */
// First, as in the CLI (src/server/internalize-header-names.ts says why).
import '../src/server/internalize-header-names';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startSidecar } from '../src/sidecar';
import type { CloseServer, MemoryReport, MemoryRequest, ServerReady, SidecarProcessOptions } from './child-messages';

// A full collection on request, so the memory section can tell live objects from heap V8 keeps.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as SidecarProcessOptions;
  const args = ['--address', '127.0.0.1:0', '--plugins-folder', options.pluginsFolder, '--data-folder', options.dataFolder];
  if (options.order?.length) args.push('--plugins-order', options.order.join(','));
  args.push(...(options.args ?? []));
  const sidecar = await startSidecar(loadConfig({ env: {}, args }), pino({ level: 'warn' }));
  process.send?.({ type: 'ready', port: sidecar.port } satisfies ServerReady);
  process.on('message', (message: CloseServer | MemoryRequest) => {
    if (message.type === 'close') void sidecar.close().then(() => process.exit(0));
    else {
      collectGarbage();
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
      process.send?.({ type: 'memory', rss, heapUsed, heapTotal, external } satisfies MemoryReport);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
