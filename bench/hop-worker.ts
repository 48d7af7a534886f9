/**
 * The worker of the hop floor (hop-server.ts): takes each job from the slot and answers with the
 * fixture's GetArtistBiography response, encoded once at start.
 */
import { workerData } from 'node:worker_threads';
import { ArtistBiographyResponse } from '../generated/ts/api';
import { WorkerSlot } from '../src/runtime/job-slot';

const answer = ArtistBiographyResponse.encode({ biography: 'fixture:bench:calls=1' }).finish();
const slot = new WorkerSlot(workerData as SharedArrayBuffer);
for (let job = slot.next(() => {}); job; job = slot.next(() => {})) {
  slot.replyOutput(job.id, answer, undefined, () => {});
}
