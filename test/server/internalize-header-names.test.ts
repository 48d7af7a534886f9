import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClients } from '../helpers/api-clients';
import { PluginsFolder } from '../helpers/plugins-folder';
import { startServe } from '../helpers/serve-process';

const CALLS = 300;

/** Keyed-store events in V8's IC logs (`--log-ic`, one file per isolate): all of them, and those whose key is `key`. */
function keyedStores(folder: string, key: string): { all: number; keyed: number } {
  let all = 0;
  let keyed = 0;
  for (const file of readdirSync(folder).filter((name) => name.endsWith('v8.log'))) {
    for (const line of readFileSync(path.join(folder, file), 'latin1').split('\n')) {
      // KeyedStoreIC,pc,time,line,column,old state,new state,map,key,modifier,slow reason
      if (!line.startsWith('KeyedStoreIC,')) continue;
      all += 1;
      if (line.split(',')[8] === key) keyed += 1;
    }
  }
  return { all, keyed };
}

// Read from V8's own IC log of `ndphost serve` as an operator starts it: Node 20's http2 adds the
// `date` header to every response with a key that, left as Node makes it, misses V8's inline cache
// each time and keeps that code from being optimized (src/server/internalize-header-names.ts).
describe("a response's http2 headers", () => {
  it("are built without missing V8's inline cache on every response", async () => {
    const plugins = new PluginsFolder().copy('fixture');
    const logs = mkdtempSync(path.join(os.tmpdir(), 'ndphost-v8-log-'));
    try {
      const args = ['--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', path.join(plugins.root, 'data')];
      const serve = await startServe(args, { cwd: logs, nodeOptions: ['--log-ic', '--logfile=v8.log'] });
      const clients = new ApiClients(`127.0.0.1:${serve.port}`);
      try {
        for (let call = 0; call < CALLS; call++) {
          await expect(clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' })).resolves.toBeDefined();
        }
      } finally {
        clients.close();
        serve.child.kill('SIGTERM');
        await serve.exited;
      }
      const stores = keyedStores(logs, 'date');
      // The log is there and has keyed stores in it, so an absence of misses means something.
      expect(stores.all).toBeGreaterThan(100);
      // At most the first few calls (the cache filling); one per call before the change.
      expect(stores.keyed).toBeLessThan(CALLS / 10);
    } finally {
      plugins.cleanup();
      rmSync(logs, { recursive: true, force: true });
    }
  }, 120_000);
});
