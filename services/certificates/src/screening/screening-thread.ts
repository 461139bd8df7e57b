/**
 * The worker side of ScreeningThreads: its own connection to the read models and its own
 * vault (the match keys only need the secrets), screening the chunks it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PersonalDataVault } from '@hub/personal-data';
import { openReadModelStore } from '@hub/read-models';
import { screenChunk } from './screen-chunk.js';
import type { ChunkReply, ChunkRequest, ThreadSetup } from './screening-threads.js';

const setup = workerData as ThreadSetup;
const vault = new PersonalDataVault(setup.keys.current, setup.keys.previous);
const readModels = openReadModelStore(setup.readModels);

parentPort!.on('message', (request: ChunkRequest) => {
  screenChunk(request.rows, {
    protector: vault,
    lookup: (keys) => readModels.getDocuments('certificate-registry', keys),
    today: request.today,
    ...(request.certificateType ? { certificateType: request.certificateType } : {}),
  }).then(
    (screened) => parentPort!.postMessage({ id: request.id, screened } satisfies ChunkReply),
    (error: Error) =>
      parentPort!.postMessage({ id: request.id, error: error.message } satisfies ChunkReply),
  );
});
