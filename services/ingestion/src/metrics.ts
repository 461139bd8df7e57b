import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface IngestionMetrics {
  registry: Registry;
  ingested: Counter<'agency' | 'type'>;
  rejected: Counter<'agency' | 'reason'>;
}

/** A registry per hub instance: no module-level singletons, so tests run side by side. */
export function createIngestionMetrics(registry = new Registry()): IngestionMetrics {
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ingested: new Counter({
      name: 'hub_events_ingested_total',
      help: 'Events accepted, by publishing agency and type',
      labelNames: ['agency', 'type'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'hub_events_rejected_total',
      help: 'Events refused, by agency and reason',
      labelNames: ['agency', 'reason'],
      registers: [registry],
    }),
  };
}
