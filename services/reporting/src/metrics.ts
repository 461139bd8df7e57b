import { Gauge, type Registry } from 'prom-client';
import type { ProjectionRunner, ProjectionStatus } from '@hub/read-models';

/** Projection lag on /metrics, read from the runner when scraped. */
export function registerProjectionMetrics(registry: Registry, runner: ProjectionRunner): void {
  // Both gauges are collected in one scrape: share one status reading between them.
  let cached: { at: number; status: Promise<ProjectionStatus[]> } | undefined;
  const status = () => {
    if (!cached || Date.now() - cached.at > 200)
      cached = { at: Date.now(), status: runner.status(10_000) };
    return cached.status;
  };
  new Gauge({
    name: 'hub_projection_lag_events',
    help: 'Events stored but not yet applied, per projection (capped at 10000)',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const s of await status()) this.set({ projection: s.projection }, s.lagEvents);
    },
  });
  new Gauge({
    name: 'hub_projection_lag_seconds',
    help: 'Age of the oldest event not yet applied, per projection',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const s of await status()) this.set({ projection: s.projection }, s.lagSeconds);
    },
  });
}
