import { project, published, recorded, residentIdFor } from '../testing/index.js';
import type { PersonalDataProtector } from './personal-data.js';
import {
  certificateHoldersProjection,
  certificateRegistryProjection,
  registryKey,
  type RegistryCertificate,
} from './registry.js';
import {
  InvalidObservationError,
  verifyCertificate,
  type CertificateObservation,
} from './verification.js';

/** A transparent stand-in for the vault: the pure code only needs equal-in, equal-out. */
const protector: PersonalDataProtector = { matchKey: (v) => `h(${v})`, seal: (v) => `s(${v})` };
const HOLDER = { idNumber: residentIdFor('19850612', 123), name: '李四' };
const NUMBER = `T${HOLDER.idNumber}`;
const emergency = (type: string, data: object) => recorded(published(type, data), 'emergency');
const key = { certificateType: 'special_operations', number: NUMBER };
const issued = emergency('CertificateIssued', {
  ...key,
  holder: HOLDER,
  operationCategory: '电工作业',
  operationItem: '低压电工作业',
  issuedOn: '2022-03-01',
  validUntil: '2028-02-28',
  nextReviewDue: '2025-03-01',
  issuingAuthority: '上海市应急管理局',
});

function registry(...events: ReturnType<typeof emergency>[]): RegistryCertificate {
  return project(certificateRegistryProjection(protector), events).get(
    registryKey(protector, 'special_operations', NUMBER),
  )!;
}
const see = (overrides: Partial<CertificateObservation> = {}): CertificateObservation => ({
  type: 'special_operations',
  number: NUMBER,
  holder: HOLDER,
  job: '电工作业',
  ...overrides,
});
const verify = (
  o: CertificateObservation,
  r: RegistryCertificate | undefined,
  today = '2024-07-01',
) => verifyCertificate(o, r, { protector, today });

describe('certificate registry', () => {
  it('keeps the holder as keyed hash, mask and sealed copy only', () => {
    const doc = registry(issued);
    expect(doc).toMatchObject({
      issuer: 'emergency',
      issued: true,
      holderKey: `h(${HOLDER.idNumber})`,
      holderMasked: `${HOLDER.idNumber.slice(0, 6)}********${HOLDER.idNumber.slice(-4)}`,
      numberMasked: `T${HOLDER.idNumber.slice(0, 6)}********${HOLDER.idNumber.slice(-4)}`,
      holderSealed: `s(${HOLDER.idNumber})`,
      validUntil: '2028-02-28',
    });
    expect(JSON.stringify({ ...doc, holderKey: '', holderSealed: '' })).not.toContain(
      HOLDER.idNumber,
    );
  });

  it('follows reviews, renewals, revocations and corrections', () => {
    const doc = registry(
      issued,
      emergency('CertificateReviewed', {
        ...key,
        reviewedOn: '2025-02-20',
        passed: true,
        nextReviewDue: '2028-02-20',
      }),
      emergency('CertificateRenewed', {
        ...key,
        renewedOn: '2028-01-10',
        validUntil: '2034-01-09',
      }),
    );
    expect(doc).toMatchObject({ nextReviewDue: '2028-02-20', validUntil: '2034-01-09' });
    const holders = project(certificateHoldersProjection(protector), [issued]);
    expect(holders.get(`h(${HOLDER.idNumber})`)).toEqual({
      certificates: [registryKey(protector, 'special_operations', NUMBER)],
    });
  });
});

describe('certificate verification (BRIEF §3)', () => {
  it('finds a registered, current certificate valid for the job', () => {
    expect(verify(see(), registry(issued))).toMatchObject({ result: 'valid' });
  });

  it('suspects forgery of an unknown number, unless the card was issued within the registry lag', () => {
    expect(verify(see(), undefined)).toMatchObject({
      result: 'unknown_number',
      findingKind: 'forged',
    });
    expect(verify(see({ printed: { issuedOn: '2024-06-28' } }), undefined)).toMatchObject({
      result: 'pending_registry',
      evidence: [expect.stringContaining('2024-07-06 后复核')],
    });
    expect(verify(see({ number: 'T110105194912310021' }), undefined).evidence).toContain(
      '编号不符合特种作业操作证的编号规则',
    );
  });

  it('suspects lending or impersonation when another person holds the card', () => {
    const other = { idNumber: residentIdFor('19900101', 7), name: '王五' };
    const result = verify(see({ holder: other }), registry(issued));
    expect(result).toMatchObject({
      result: 'holder_mismatch',
      findingKind: 'lent_transferred_or_impersonated',
    });
    expect(result.evidence.join()).not.toContain(HOLDER.idNumber);
  });

  it('uses the holder keys a bulk screening computed already instead of hashing again', () => {
    const hashed: string[] = [];
    const counting: PersonalDataProtector = {
      ...protector,
      matchKey: (v) => (hashed.push(v), protector.matchKey(v)),
    };
    const other = { holderKey: `h(${residentIdFor('19900101', 7)})` };
    const result = verifyCertificate(see({ holderKeys: other }), registry(issued), {
      protector: counting,
      today: '2024-07-01',
    });
    expect(result.result).toBe('holder_mismatch');
    expect(hashed).toEqual([]);
  });

  it('suspects alteration when printed data differ from the registry', () => {
    expect(verify(see({ printed: { validUntil: '2030-02-28' } }), registry(issued))).toMatchObject({
      result: 'data_mismatch',
      findingKind: 'altered',
    });
    expect(verify(see({ holder: { ...HOLDER, name: '李肆' } }), registry(issued)).result).toBe(
      'data_mismatch',
    );
  });

  it('reports revoked, expired and review-overdue certificates', () => {
    const revoked = emergency('CertificateRevoked', {
      ...key,
      revokedOn: '2024-01-01',
      reason: 'serious_violation',
    });
    expect(verify(see(), registry(issued, revoked)).result).toBe('revoked');
    expect(verify(see(), registry(issued), '2028-03-01')).toMatchObject({
      result: 'expired',
      findingKind: 'expired',
    });
    expect(verify(see(), registry(issued), '2025-03-02').result).toBe('review_overdue');
  });

  it('tells a job outside the certificate from work that needs another department’s certificate', () => {
    expect(verify(see({ job: '高处作业' }), registry(issued))).toMatchObject({
      result: 'not_valid_for_job',
    });
    expect(verify(see({ job: '电梯作业' }), registry(issued))).toMatchObject({
      result: 'other_department',
      findingKind: 'other_department_certificate',
      evidence: [expect.stringContaining('特种设备安全管理和作业人员证')],
    });
  });

  describe('when a name seen on the card holds an invisible character', () => {
    it.each([
      ['holder.name', see({ holder: { ...HOLDER, name: '李\u200B四' } })],
      ['job', see({ job: '电工\u200D作业' })],
      ['printed.operationCategory', see({ printed: { operationCategory: '电工作业\uFEFF' } })],
    ])(
      'refuses the observation (%s) instead of suspecting alteration (no false 疑似涂改)',
      (field, observation) => {
        const attempt = () => verify(observation, registry(issued));
        expect(attempt).toThrow(InvalidObservationError);
        expect(attempt).toThrow(
          expect.objectContaining({ code: 'NAME_INVISIBLE_CHARACTER', field }),
        );
      },
    );

    it('still compares names that differ only in Unicode normalisation or look-alike spaces', () => {
      expect(verify(see({ job: '电工作业\u00A0' }), registry(issued)).result).toBe('valid');
    });
  });
});
