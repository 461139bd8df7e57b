import { randomUUID } from 'node:crypto';
import {
  unmaskingRefusal,
  type Agency,
  type CertificateType,
  type RegistryCertificate,
  type UnmaskingRequester,
} from '@hub/domain';
import type { AuditActor, AuditEntry, AuditOrigin, AuditRecorder } from '@hub/audit';
import { answerFor, type HubRecorder } from '@hub/ingestion';
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
  /** Every attempt is on the audit record; an opening is written there before the value. */
  audit: AuditRecorder;
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
  /** Who asks, as the audit trail names them (person or agency system), and from where. */
  auditActor: AuditActor;
  from: AuditOrigin;
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
 * issuer; the access is recorded (as an event, and durably on the audit trail) before the
 * value is opened, and a request id reused for another access opens nothing.
 */
export async function unmaskHolder(
  deps: UnmaskingDeps,
  request: UnmaskRequest,
): Promise<UnmaskAnswer> {
  const entry = (
    result: AuditEntry['result'],
    subject: AuditEntry['subject'] = {},
  ): AuditEntry => ({
    actor: request.auditActor,
    action: 'personal_data.unmask',
    purpose: request.purpose,
    ...(request.caseId ? { caseId: request.caseId } : {}),
    subject: {
      registryKey: request.registryKey,
      unit: request.reportingUnit,
      ...(request.unmaskingId ? { unmaskingId: request.unmaskingId } : {}),
      ...subject,
    },
    from: request.from,
    result,
  });
  let opened: Access;
  try {
    opened = await recordAccess(deps, request);
  } catch (error) {
    // Refusals and failures are on the audit record too, with their code.
    const known = answerFor(error);
    deps.audit.record(
      entry({
        outcome: known && known.status < 500 ? 'refused' : 'failed',
        code: known?.code ?? 'INTERNAL',
      }),
    );
    throw error;
  }
  const { record, sealed, answer } = opened;
  const subject = {
    unmaskingId: answer.unmaskingId,
    certificateType: record.type,
    numberMasked: record.numberMasked,
    ...(record.holderKey ? { holderKey: record.holderKey } : {}),
    ...(answer.retry ? { args: { retry: true } } : {}),
  };
  // On the audit record and durable before the value exists outside the vault.
  await deps.audit.recordNow(entry({ outcome: 'ok' }, subject));
  try {
    return { ...answer, idNumber: await deps.vault.unseal(sealed) };
  } catch (error) {
    // A key destroyed (crypto-shredding) or a damaged value: nothing was opened after all.
    deps.audit.record(
      entry(
        { outcome: 'failed', code: (error as { code?: string }).code ?? 'UNSEAL_FAILED' },
        subject,
      ),
    );
    throw error;
  }
}

interface Access {
  record: RegistryCertificate;
  sealed: string;
  answer: Omit<UnmaskAnswer, 'idNumber'>;
}

/** Judges the right on the registry record and records the access as an event. */
async function recordAccess(deps: UnmaskingDeps, request: UnmaskRequest): Promise<Access> {
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
  // On the record (this very access, or its retry): only now may the value be opened.
  return {
    record,
    sealed: record.holderSealed,
    answer: { numberMasked: record.numberMasked, unmaskingId, retry: receipt.retry },
  };
}
