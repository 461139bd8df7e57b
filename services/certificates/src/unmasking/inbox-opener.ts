import type { AuditRecorder } from '@hub/audit';
import type { Agency } from '@hub/domain';
import type { PersonalDataVault } from '@hub/personal-data';

/** The agencies that receive personal data in clear in their Kafka inboxes: the criminal-justice side. */
export const ENTITLED_INBOXES: readonly Agency[] = ['police', 'procuratorate', 'court'];

/**
 * What the Kafka egress needs to give the entitled agencies ID numbers in clear: each opening
 * goes on the audit record, durably, before the value is opened (here, beside unmaskHolder:
 * the only places in the hub that unseal). A destroyed person stays sealed.
 */
export function inboxOpener(vault: PersonalDataVault, audit: AuditRecorder) {
  return {
    entitled: (agency: Agency) => ENTITLED_INBOXES.includes(agency),
    async record(
      openings: ReadonlyArray<{
        agency: Agency;
        eventId: string;
        eventType: string;
        subjects: string[];
      }>,
    ): Promise<void> {
      for (const o of openings)
        for (const holderKey of o.subjects)
          await audit.recordNow({
            actor: { kind: 'agency-system', id: `inbox:${o.agency}`, agency: o.agency },
            action: 'personal_data.relay',
            purpose: '依法推送案件材料 / statutory delivery to the addressee',
            subject: { holderKey, view: o.eventType, args: { eventId: o.eventId } },
            result: { outcome: 'ok' },
          });
    },
    async open(ref: string): Promise<string | undefined> {
      try {
        return await vault.unseal(ref);
      } catch (error) {
        if ((error as { code?: string }).code === 'PERSONAL_DATA_DESTROYED') return undefined;
        throw error;
      }
    },
  };
}
