/**
 * The load generator, in its own process so its CPU is never counted as the server's: a grpc-js
 * client (the generated MetadataAgentClient) that runs the unary calls the bench asks for with a
 * fixed number in flight, and reports latency percentiles, throughput and its own CPU per call.
 * Every answer is checked: it must be the fixture's, with `calls=1` (a fresh instance).
 */
import { credentials } from '@grpc/grpc-js';
import { MetadataAgentClient } from '../generated/ts/api';
import type { LoadRequest, LoadResult } from './child-messages';
import { timeCalls } from './measure';

const clients = new Map<number, MetadataAgentClient>();
const request = { id: '', name: 'bench', mbid: '' };
/** What the fixture plugin (and the bare server) answer; `calls=1` also shows the instance was fresh. */
const EXPECTED = 'fixture:bench:calls=1';

function clientFor(port: number): MetadataAgentClient {
  let client = clients.get(port);
  if (!client) {
    client = new MetadataAgentClient(`127.0.0.1:${port}`, credentials.createInsecure());
    clients.set(port, client);
  }
  return client;
}

async function run(job: LoadRequest): Promise<LoadResult> {
  const client = clientFor(job.port);
  let errors = 0;
  let firstError: string | undefined;
  const call = () =>
    new Promise<void>((resolve) =>
      client.getArtistBiography(request, (error, response) => {
        const failure = error ? error.message : response?.biography !== EXPECTED ? `unexpected answer ${JSON.stringify(response?.biography)}` : undefined;
        if (failure) {
          errors++;
          firstError ??= failure;
        }
        resolve();
      }),
    );
  const timing = await timeCalls(job.calls, job.concurrency, call);
  return { type: 'result', id: job.id, errors, firstError, ...timing };
}

process.on('message', (job: LoadRequest) => {
  void run(job).then((result) => process.send?.(result));
});
process.on('disconnect', () => {
  for (const client of clients.values()) client.close();
  process.exit(0);
});
