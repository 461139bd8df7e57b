import { AppendArrivals } from './append-arrivals.js';

describe('appends on their way', () => {
  it('counts each arrival once, however often it says it is done', () => {
    const arrivals = new AppendArrivals();
    const a = arrivals.begin();
    const b = arrivals.begin();
    expect(arrivals.pending).toBe(2);
    a();
    a();
    expect(arrivals.pending).toBe(1);
    b();
    expect(arrivals.pending).toBe(0);
  });

  it('calls a waiter once the last one is done, not before', () => {
    const arrivals = new AppendArrivals();
    const a = arrivals.begin();
    const b = arrivals.begin();
    const woken: string[] = [];
    arrivals.whenNone(() => woken.push('waiter'));
    a();
    expect(woken).toEqual([]);
    b();
    expect(woken).toEqual(['waiter']);
    // Once only: a later round does not call it again.
    arrivals.begin()();
    expect(woken).toEqual(['waiter']);
  });

  it('calls a waiter at once when none is on its way, and not at all once cancelled', () => {
    const arrivals = new AppendArrivals();
    const woken: string[] = [];
    arrivals.whenNone(() => woken.push('at once'));
    expect(woken).toEqual(['at once']);
    const a = arrivals.begin();
    const cancel = arrivals.whenNone(() => woken.push('cancelled'));
    cancel();
    a();
    expect(woken).toEqual(['at once']);
  });
});
