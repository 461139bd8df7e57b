import { eventStoreContract } from '@hub/event-store/contract';
import { KurrentDbEventStore } from './kurrentdb-event-store.js';

const url = process.env.TEST_EVENTSTORE_URL;
const MAX = 256 * 1024;

if (url) {
  eventStoreContract('EventStoreDB / KurrentDB', async () => {
    let store = new KurrentDbEventStore({ connectionString: url, maxEventBytes: MAX });
    return {
      store,
      maxEventBytes: MAX,
      reopen: async () => {
        await store.close();
        store = new KurrentDbEventStore({ connectionString: url, maxEventBytes: MAX });
        return store;
      },
    };
  });
} else {
  describe('event store contract: EventStoreDB / KurrentDB', () => {
    it.skip(`was skipped: ${process.env.TEST_EVENTSTORE_SKIP ?? 'no server reachable'}`, () =>
      undefined);
  });
}
