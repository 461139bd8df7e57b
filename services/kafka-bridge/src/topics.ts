import type { Agency } from '@hub/domain';

/** Topic scheme: agencies publish to their ingress topic and read their inbox. */
export const ingressTopic = (agency: Agency) => `hub.ingress.${agency}`;
export const inboxTopic = (agency: Agency) => `hub.inbox.${agency}`;
export const DEAD_LETTER_TOPIC = 'hub.ingress.dead-letter';

export function agencyOfIngressTopic(topic: string): string | undefined {
  return /^hub\.ingress\.([a-z]+)$/.exec(topic)?.[1];
}
