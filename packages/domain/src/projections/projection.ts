import type { RecordedHubEvent } from '../catalogue.js';
import type { StatisticFact } from '../statistics/facts.js';

/**
 * A projection that keeps one JSON document per key (a clue, a case, an inspection), in the
 * style of Emmett's document projections: which documents an event touches, and how it
 * changes one. Pure; the runner loads and stores the documents.
 */
export interface DocumentProjection<D> {
  kind: 'documents';
  name: string;
  /** Bump when evolve changes meaning: the read model then needs a rebuild. */
  version: number;
  handles: readonly string[];
  keysOf(event: RecordedHubEvent): string[];
  evolve(document: D | undefined, event: RecordedHubEvent, key: string): D;
}

/** A projection that appends statistic facts (see statistics/facts.ts). */
export interface FactProjection {
  kind: 'facts';
  name: string;
  version: number;
  handles: readonly string[];
  factsOf(event: RecordedHubEvent): StatisticFact[];
  /** What of the event the facts leave out, and why (the runner logs it). */
  warningsOf?(event: RecordedHubEvent): string[];
}

export type Projection = DocumentProjection<unknown> | FactProjection;
