import { inspection, TEST_CONTEXT } from '@hub/domain/testing';
import { validatePublishedEvent, type AcceptedEvent } from '@hub/domain';
import type { AppendRequest } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { appendAccepted, type PersonalDataSealing } from './sealing.js';

describe('appending accepted events', () => {
  const accepted = (id: string): AcceptedEvent => {
    const result = validatePublishedEvent(inspection(id), 'emergency', 0, TEST_CONTEXT);
    if (!result.ok) throw new Error('the test event is invalid');
    return result.event;
  };
  /** The test sealer, whose keys take a while to become durable (a vault on PostgreSQL). */
  const slowSealing = (order: string[], fail = false): PersonalDataSealing => ({
    ...TEST_CONTEXT.sealer,
    commitKeys: async <T>(sealed: T): Promise<T> => {
      await new Promise((r) => setTimeout(r, 30));
      if (fail) throw new Error('the vault is away');
      order.push('keys durable');
      return sealed;
    },
  });
  /** A store that says when an append is queued and when it has committed. */
  const watchedStore = (order: string[]) => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const appendMany = store.appendMany.bind(store);
    store.appendMany = (requests: readonly AppendRequest[]) => {
      order.push('queued');
      return appendMany(requests).then((results) => (order.push('committed'), results));
    };
    return store;
  };

  it('says it is handed over once its keys are durable and it is queued, before it commits', async () => {
    const order: string[] = [];
    const store = watchedStore(order);
    try {
      await appendAccepted(store, slowSealing(order), [accepted('I-1')], {}, () =>
        order.push('handed over'),
      );
      expect(order).toEqual(['keys durable', 'queued', 'handed over', 'committed']);
    } finally {
      await store.close();
    }
  });

  it('says so too when its keys cannot be made durable, and appends nothing', async () => {
    const order: string[] = [];
    const store = watchedStore(order);
    try {
      await expect(
        appendAccepted(store, slowSealing(order, true), [accepted('I-2')], {}, () =>
          order.push('handed over'),
        ),
      ).rejects.toThrow('the vault is away');
      expect(order).toEqual(['handed over']);
      expect(await store.headPosition()).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
