import type { EventStore } from '@hub/event-store';
import { WriteHealth } from './write-health.js';

/** Every method of the port, required and optional, as a recording fake. */
function fullStore(calls: string[]): Required<EventStore> {
  const record =
    <T>(name: string, answer: () => T) =>
    (...args: unknown[]): T => {
      calls.push(`${name}(${args.map((a) => JSON.stringify(a) ?? typeof a).join(', ')})`);
      return answer();
    };
  const resolved =
    <T>(value: T) =>
    () =>
      Promise.resolve(value);
  const subscription = () => ({ stop: () => Promise.resolve() });
  return {
    append: record(
      'append',
      resolved({ stream: 's', nextExpectedRevision: 0, position: 1n, duplicate: false }),
    ),
    appendMany: record('appendMany', resolved([])),
    readStream: record('readStream', resolved([])),
    readAll: record('readAll', resolved([])),
    subscribeToAll: record('subscribeToAll', subscription),
    headPosition: record('headPosition', resolved(undefined)),
    countAfter: record('countAfter', resolved(0)),
    checkReachable: record('checkReachable', resolved(undefined)),
    subscribeToChainLinks: record('subscribeToChainLinks', subscription),
    close: record('close', resolved(undefined)),
  };
}

describe('WriteHealth.watch', () => {
  it('hands every method of the port through, optional ones included', async () => {
    const calls: string[] = [];
    const store = fullStore(calls);
    const watched = new WriteHealth().watch(store);
    // A method the port gains later and the wrapper forgets fails here: the key sets differ.
    expect(Object.keys(watched).sort()).toEqual(Object.keys(store).sort());
    const handler = () => undefined;
    await watched.append('s', [], {});
    await watched.appendMany([]);
    await watched.readStream('s', { maxCount: 1 });
    await watched.readAll({ maxCount: 2 });
    await watched.subscribeToAll(handler, {}).stop();
    await watched.headPosition();
    await watched.countAfter!(undefined, 3);
    await watched.checkReachable!();
    await watched.subscribeToChainLinks!(handler, {}).stop();
    await watched.close();
    expect(calls).toEqual([
      'append("s", [], {})',
      'appendMany([])',
      'readStream("s", {"maxCount":1})',
      'readAll({"maxCount":2})',
      'subscribeToAll(function, {})',
      'headPosition()',
      'countAfter(undefined, 3)',
      'checkReachable()',
      'subscribeToChainLinks(function, {})',
      'close()',
    ]);
  });

  it('leaves out the optional methods a store does not have', () => {
    const { countAfter, checkReachable, subscribeToChainLinks, ...required } = fullStore([]);
    void countAfter;
    void checkReachable;
    void subscribeToChainLinks;
    const watched = new WriteHealth().watch(required);
    expect(Object.keys(watched).sort()).toEqual(Object.keys(required).sort());
    expect(watched.countAfter).toBeUndefined();
  });
});
