/**
 * The worker of the hop floor (hop-server.ts): takes each job from its slots in turn and answers
 * with the fixture's GetArtistBiography response, encoded once at start.
 */
import { workerData } from 'node:worker_threads';
import { ArtistBiographyResponse } from '../generated/ts/api';
import { WorkerSlot } from '../src/runtime/job-slot';
import { reportThread } from '../src/runtime/worker-scheduling';

reportThread();

const answer = ArtistBiographyResponse.encode({ biography: 'fixture:bench:calls=1' }).finish();
const slots = (workerData as SharedArrayBuffer[]).map((buffer) => new WorkerSlot(buffer));
for (let turn = 0; ; turn = (turn + 1) % slots.length) {
  const job = slots[turn].next(() => {});
  if (!job) break;
  slots[turn].replyOutput(job.id, answer, undefined, () => {});
}
