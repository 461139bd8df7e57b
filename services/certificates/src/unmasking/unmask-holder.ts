import { randomUUID } from 'node:crypto';
import {
  unmaskingRefusal,
  type Agency,
  type CertificateType,
  type RegistryCertificate,
  type UnmaskingRequester,
} from '@hub/domain';
import type { HubRecorder } from '@hub/ingestion';
import type { PersonalDataVault } from '@hub/personal-data';
import type { ReadModelStore } from '@hub/read-models';
import { deterministicUuid } from '../deterministic-id.js';

export class UnmaskingForbiddenError extends Error {
  readonly code = 'UNMASKING_FORBIDDEN';
}

export class CertificateNotFoundError extends Error {
  readonly code = 'CERTIFICATE_NOT_FOUND';
}

export interface UnmaskingDeps {
  recorder: HubRecorder;
  readModels: ReadModelStore;
  vault: PersonalDataVault;
  now?: () => Date;
}

export interface UnmaskRequest {
  requester: UnmaskingRequester;
  /** The agency the access is recorded under, and the person or system acting for it. */
  agency: Agency;
  actor: { officerId: string };
  reportingUnit: string;
  registryKey: string;
  /** The type the caller believes the certificate has; refused when the registry says otherwise. */
  claimedType?: CertificateType;
  purpose: string;
  caseId?: string;
  /** The caller's id for this access: a retry with it is the same access. Absent: a new one. */
  unmaskingId?: string;
}

export interface UnmaskAnswer {
  idNumber: string;
  numberMasked: string;
  unmaskingId: string;
  /** This answer repeats an access already on the record (a retry within its window). */
  retry: boolean;
}

/** A retry of an unmasking is the same access only this soon after the first. */
export const UNMASKING_RETRY_WINDOW_MS = 15 * 60_000;

/**
 * Opens a certificate holder's sealed ID number: the only place in the hub that unseals
 * (a lint rule keeps it so). The right is judged on the registry record's own type and
 * issuer; the access is recorded before the value is opened, and a request id reused for
 * another access opens nothing.
 */
export async function unmaskHolder(
  deps: UnmaskingDeps,
  request: UnmaskRequest,
): Promise<UnmaskAnswer> {
  const record = (
    await deps.readModels.getDocuments('certificate-registry', [request.registryKey])
  ).get(request.registryKey) as RegistryCertificate | undefined;
  if (!record?.holderSealed || (request.claimedType && request.claimedType !== record.type))
    throw new CertificateNotFoundError(
      `登记库中无此证书持证人 / no registered holder${request.claimedType ? ` of a ${request.claimedType} certificate` : ''} under this registry key`,
    );
  const refusal = unmaskingRefusal(request.requester, record);
  if (refusal) throw new UnmaskingForbiddenError(refusal);
  const unmaskingId = request.unmaskingId ?? `U-${randomUUID()}`;
  const receipt = await deps.recorder.record(
    request.agency,
    [
      {
        id: deterministicUuid(`${request.agency}|unmask|${unmaskingId}`),
        type: 'PersonalDataUnmasked',
        schemaVersion: 1,
        reportingUnit: request.reportingUnit,
        occurredAt: (deps.now ?? (() => new Date()))().toISOString(),
        actor: request.actor,
        data: {
          unmaskingId,
          certificate: {
            type: record.type,
            numberMasked: record.numberMasked,
            registryKey: request.registryKey,
          },
          purpose: request.purpose,
          ...(request.caseId ? { caseId: request.caseId } : {}),
        },
      },
    ],
    { timeChosenByHub: true, retryWindowMs: UNMASKING_RETRY_WINDOW_MS },
  );
  // On the record (this very access, or its retry): only now is the value opened.
  return {
    idNumber: deps.vault.unseal(record.holderSealed),
    numberMasked: record.numberMasked,
    unmaskingId,
    retry: receipt.retry,
  };
}
