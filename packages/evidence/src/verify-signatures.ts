import { verify } from '@hub/crypto';
import type { BatchSignature } from '@hub/domain';
import type { EventStore, RecordedEvent } from '@hub/event-store';
import { batchStatement, keyInForce, keysFromEvents } from './agency-keys.js';

export interface SignatureProblem {
  kind: 'signature_invalid' | 'signature_key_not_in_force';
  position: bigint;
  stream: string;
  eventId: string;
  detail: string;
}

export interface SignatureReport {
  signedEvents: number;
  /** Distinct signed batches checked. */
  batches: number;
  problems: SignatureProblem[];
}

/**
 * Re-checks every agency signature kept with the events, against the agency's keys as its key
 * events stood at the time: the key must have been registered before the batch and not
 * revoked before it, and the signature must verify over the batch statement kept with it.
 * With the hash chain intact, this shows which agency signed what it published, and when.
 */
export async function verifyAgencySignatures(
  store: EventStore,
  options: { pageSize?: number } = {},
): Promise<SignatureReport> {
  const pageSize = options.pageSize ?? 10_000;
  const report: SignatureReport = { signedEvents: 0, batches: 0, problems: [] };
  const keyEvents = new Map<string, RecordedEvent[]>();
  const judged = new Map<string, string | undefined>();
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: pageSize,
    });
    for (const event of page) {
      const metadata = event.metadata as { agency?: string; signature?: BatchSignature };
      if (event.type === 'AgencyKeyRegistered' || event.type === 'AgencyKeyRevoked') {
        const agency = metadata.agency ?? '';
        keyEvents.set(agency, [...(keyEvents.get(agency) ?? []), event]);
      }
      const signature = metadata.signature;
      if (!signature) continue;
      report.signedEvents += 1;
      const agency = metadata.agency ?? '';
      const group = `${agency}|${signature.keyId}|${signature.batchDigest}|${signature.value}`;
      if (!judged.has(group)) {
        report.batches += 1;
        const problem = judge(keyEvents.get(agency) ?? [], signature, event.position);
        judged.set(group, problem);
        if (problem)
          report.problems.push({
            kind: problem.startsWith('签名无效')
              ? 'signature_invalid'
              : 'signature_key_not_in_force',
            position: event.position,
            stream: event.streamName,
            eventId: event.id,
            detail: problem,
          });
      }
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.position;
  }
  return report;
}

function judge(
  keyEvents: readonly RecordedEvent[],
  signature: BatchSignature,
  position: bigint,
): string | undefined {
  const key = keyInForce(keysFromEvents(keyEvents), signature.keyId, position);
  if (!key)
    return `签名密钥 ${signature.keyId} 在此批次记录时未登记或已吊销 / signing key ${signature.keyId} was not registered, or was revoked, when this batch was recorded`;
  const valid = verify(
    key.alg,
    key.publicKeyPem,
    batchStatement(signature.batchDigest),
    Buffer.from(signature.value, 'base64'),
  );
  return valid
    ? undefined
    : `签名无效：与保存的批次摘要不符 / signature invalid: it does not verify over the kept batch digest`;
}
