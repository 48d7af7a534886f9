import path from 'node:path';
import { isKind } from '../../src/errors';
import { WorkerPool } from '../../src/runtime/worker-pool';
import { REPO_ROOT } from '../helpers/paths';

const EXITING_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'exiting-worker.js');

describe('WorkerPool', () => {
  it('a worker that dies fails only its job, naming plugin, export and cause, and is replaced', async () => {
    const lost: string[] = [];
    const pool = new WorkerPool({ minWorkers: 2, maxWorkers: 2, workerScript: EXITING_WORKER, onWorkerLost: (reason) => lost.push(reason) });
    try {
      const job = { type: 'rpc' as const, hash: 'h', pluginId: 'victim', exportName: 'metadata_agent_get_artist_biography', input: new Uint8Array(0) };
      const error = await pool.run(job, { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(isKind(error, 'internal')).toBe(true);
      expect(error).toMatchObject({ pluginId: 'victim', message: 'plugin victim: export metadata_agent_get_artist_biography failed: worker exited with code 3' });
      expect(lost).toEqual(['worker exited with code 3']);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
