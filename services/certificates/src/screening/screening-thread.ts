/**
 * The worker side of ScreeningThreads: its own connection to the read models and its own
 * vault (the match keys only need the secrets), screening the chunks it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PersonalDataVault } from '@hub/personal-data';
import { openReadModelStore } from '@hub/read-models';
import { rowsOfRun } from '../files/table-reader.js';
import { CompactRegistryReader, lookUpCompact } from '../registry-index/compact-registry.js';
import { screenChunk } from './screen-chunk.js';
import type { ChunkReply, ThreadMessage, ThreadSetup } from './screening-threads.js';

const setup = workerData as ThreadSetup;
const vault = new PersonalDataVault(setup.keys.current, setup.keys.previous, setup.keys.matching);
const readModels = openReadModelStore(setup.readModels);
const fromReadModels = (keys: readonly string[]) =>
  readModels.getDocuments('certificate-registry', keys);
let registry: CompactRegistryReader | undefined;

parentPort!.on('message', (request: ThreadMessage) => {
  if (request.kind === 'registry') {
    if (registry) registry.adopt(request.memory);
    else registry = new CompactRegistryReader(request.memory);
    return;
  }
  const inMemory = request.inMemory ? registry : undefined;
  screenChunk(rowsOfRun(request.run), {
    protector: vault,
    lookup: inMemory ? (keys) => lookUpCompact(inMemory, keys, fromReadModels) : fromReadModels,
    today: request.today,
    ...(request.certificateType ? { certificateType: request.certificateType } : {}),
  }).then(
    (screened) =>
      // The typed arrays are moved to the screening's thread, not copied.
      parentPort!.postMessage({ id: request.id, screened } satisfies ChunkReply, [
        screened.lineEnds.buffer,
        screened.checks.lines.buffer,
        screened.checks.results.buffer,
        screened.checks.keys.buffer,
      ]),
    (error: Error) =>
      parentPort!.postMessage({ id: request.id, error: error.message } satisfies ChunkReply),
  );
});
