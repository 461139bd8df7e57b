import type { Agency } from '@hub/domain';

/** One relayed event that carries sealed personal data to an agency entitled to it in clear. */
export interface InboxOpening {
  agency: Agency;
  eventId: string;
  eventType: string;
  /** The match keys of the persons whose ID numbers it opens. */
  subjects: string[];
}

/**
 * How the egress gives personal data in clear to the agencies entitled to it (the criminal-
 * justice side); everyone else receives the sealed references, which show only the masked
 * number. Implemented beside the hub's one unmasking path, which records before it opens.
 */
export interface InboxOpener {
  entitled(agency: Agency): boolean;
  /** Puts the openings on the audit record, durably; nothing is opened before it resolves. */
  record(openings: readonly InboxOpening[]): Promise<void>;
  /** Opens one sealed reference, or undefined when that person's key was destroyed. */
  open(ref: string): Promise<string | undefined>;
}
