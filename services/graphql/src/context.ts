import DataLoader from 'dataloader';
import type { Audit, AuditOrigin } from '@hub/audit';
import type { BimonthlyReading, DeadlineRule } from '@hub/domain';
import type { EventStore } from '@hub/event-store';
import type { HubRecorder } from '@hub/ingestion';
import type { PersonalDataVault } from '@hub/personal-data';
import type { ReadModelStore } from '@hub/read-models';
import type { ScreeningJobStore } from '@hub/certificates';
import type { Viewer } from './auth/roles.js';

export interface GraphqlDeps {
  readModels: ReadModelStore;
  store: EventStore;
  /** Unmaskings are recorded through it before anything is opened. */
  recorder: HubRecorder;
  /** Every read is on the audit record; auditors read the trail through it. */
  audit: Audit;
  vault: PersonalDataVault;
  jobs: ScreeningJobStore;
  deadlineRules: readonly DeadlineRule[];
  now?: () => Date;
  /** Events recorded more than this many days after they happened are flagged (default 365). */
  lateAfterDays?: number;
  /** How the Shanghai form's bimonthly note is read (HUB_SHANGHAI_BIMONTHLY). */
  bimonthlyReading?: BimonthlyReading;
  /**
   * Keep computed forms per statistics checkpoint (default true). `false` computes every form
   * afresh: only for measuring what a form costs with every cache off.
   */
  formCache?: boolean;
}

export interface GraphqlContext {
  viewer: Viewer;
  deps: GraphqlDeps;
  now: string;
  /** One read-model query per collection per request, however many fields ask (no N+1). */
  documents: (collection: string) => DataLoader<string, unknown>;
  /** Where the request came from, for the audit record. */
  from: AuditOrigin;
  /**
   * Root fields (by response key) that put themselves on the audit record (an unmasking does,
   * before it opens anything); the audit plugin records every other one.
   */
  selfAudited: Set<string>;
}

export function createContext(
  viewer: Viewer,
  deps: GraphqlDeps,
  from: AuditOrigin = {},
): GraphqlContext {
  const loaders = new Map<string, DataLoader<string, unknown>>();
  return {
    viewer,
    deps,
    from,
    selfAudited: new Set(),
    now: (deps.now ?? (() => new Date()))().toISOString(),
    documents: (collection) => {
      let loader = loaders.get(collection);
      if (!loader) {
        loader = new DataLoader<string, unknown>(async (keys) => {
          const found = await deps.readModels.getDocuments(collection, keys);
          return keys.map((k) => found.get(k) ?? null);
        });
        loaders.set(collection, loader);
      }
      return loader;
    },
  };
}
