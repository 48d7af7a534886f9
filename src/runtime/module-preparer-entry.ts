/**
 * The module preparer's thread: prepares each module it is sent (module-cache.ts, prepareModule)
 * and answers with the result or the error as data. Loaded by path from module-preparer.ts,
 * never imported.
 */
import { parentPort } from 'node:worker_threads';
import { NdpError } from '../errors';
import { prepareModule } from './module-cache';
import type { PreparationReply, PreparationRequest } from './module-preparer';

const port = parentPort;
if (!port) throw new Error('module-preparer-entry runs only as a worker');

port.on('message', ({ id, bytes, pluginId, rules }: PreparationRequest) => {
  prepareModule(bytes, pluginId, rules).then(
    // The compiled module is shared with the receiving thread, not copied or compiled again.
    (prepared) => port.postMessage({ id, prepared } satisfies PreparationReply),
    (error: unknown) => {
      const data = error instanceof NdpError ? error.toData() : new NdpError('internal', `plugin ${pluginId}: preparing the module failed: ${(error as Error)?.message ?? String(error)}`, { pluginId }).toData();
      port.postMessage({ id, error: data } satisfies PreparationReply);
    },
  );
});
