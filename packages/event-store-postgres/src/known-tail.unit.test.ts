import { KnownTail } from './known-tail.js';

/**
 * A server whose wall clock runs `ppm` parts per million slower than this process's monotonic
 * clock (NTP slewing it, say), and appends one after another: each answer carries the server's
 * clock read halfway through its round trip. `estimateAhead` is how far the estimate handed
 * to the next append ran ahead of the server's clock, at worst.
 */
function simulate(
  estimator: {
    learn(serverMs: number, receivedAtMs: number): void;
    estimate(): number | undefined;
  },
  options: { ppm: number; commits: number; roundTripMs: number; gapMs: number },
  clock: { now: number },
): { estimateAhead: number } {
  const server = (localMs: number) => 1_700_000_000_000 + localMs * (1 - options.ppm / 1e6);
  let estimateAhead = -Infinity;
  for (let i = 0; i < options.commits; i++) {
    const estimate = estimator.estimate();
    if (estimate !== undefined)
      estimateAhead = Math.max(estimateAhead, estimate - server(clock.now));
    const readAt = clock.now + options.roundTripMs / 2;
    clock.now += options.roundTripMs;
    estimator.learn(server(readAt), clock.now);
    clock.now += options.gapMs;
  }
  return { estimateAhead };
}

const tail = { position: 1n, chain: null };

/** KnownTail's estimate, on the simulation's clock. */
function knownTailOn(clock: { now: number }) {
  const known = new KnownTail(10, () => clock.now);
  return {
    learn: (serverMs: number, receivedAtMs: number) =>
      known.learn(tail, [], new Date(serverMs), receivedAtMs),
    estimate: () => known.serverNow()?.getTime(),
  };
}

/** The rule this replaced: the largest offset ever seen, kept for good. */
function largestOffsetOn(clock: { now: number }) {
  let offset: number | undefined;
  return {
    learn: (serverMs: number, receivedAtMs: number) => {
      const o = serverMs - receivedAtMs;
      offset = Math.max(o, offset ?? o);
    },
    estimate: () => (offset === undefined ? undefined : Math.floor(clock.now + offset)),
  };
}

describe("KnownTail's estimate of the server's clock", () => {
  const drifting = { ppm: 500, commits: 20_000, roundTripMs: 0.6, gapMs: 0.4 };

  it('given a server clock slower than ours, when appends follow each other for 20 s, then the estimate never runs ahead of it (drift cannot add up)', () => {
    // One clock object: the estimator reads the simulation's time.
    const clock = { now: 0 };
    const { estimateAhead } = simulate(knownTailOn(clock), drifting, clock);
    expect(estimateAhead).toBeLessThanOrEqual(0);
  });

  it('positive control: the largest offset kept for good runs ahead on the same clocks (what let every commit be refused)', () => {
    const clock = { now: 0 };
    const { estimateAhead } = simulate(largestOffsetOn(clock), drifting, clock);
    expect(estimateAhead).toBeGreaterThan(1);
  });

  it('given clocks that agree, then the estimate stays within half a round trip behind the server and never goes back', () => {
    const clock = { now: 0 };
    const known = new KnownTail(10, () => clock.now);
    expect(known.serverNow()).toBeUndefined();
    const estimates: number[] = [];
    for (let i = 0; i < 1000; i++) {
      // Round trips of varying length: a slow answer gives a reading further behind.
      const roundTrip = i % 7 === 0 ? 20 : 0.5;
      const serverAtRead = 1_700_000_000_000 + clock.now + roundTrip / 2;
      clock.now += roundTrip;
      known.learn(tail, [], new Date(serverAtRead), clock.now);
      const estimate = known.serverNow()!.getTime();
      const server = 1_700_000_000_000 + clock.now;
      expect(estimate).toBeLessThanOrEqual(server);
      // Behind by at most half the round trip, and the millisecond it is rounded down to.
      expect(estimate).toBeGreaterThan(server - roundTrip / 2 - 1);
      estimates.push(estimate);
      clock.now += 1;
    }
    expect(estimates).toEqual([...estimates].sort((a, b) => a - b));
  });

  it('given an idle spell on drifting clocks, the estimate runs ahead; the next reading sets it right, whatever was handed out before', () => {
    const clock = { now: 0 };
    const known = new KnownTail(10, () => clock.now);
    // The server's clock runs 500 ppm slower than ours.
    const server = () => 1_700_000_000_000 + clock.now * (1 - 500 / 1e6);
    known.learn(tail, [], new Date(server()), clock.now);
    clock.now += 600_000; // ten minutes without an append
    const ahead = known.serverNow()!.getTime() - server();
    // Positive control: the estimate after the idle spell is ahead (the server would refuse it).
    expect(ahead).toBeGreaterThan(250);
    // Another process moved the tail: the group is decided again under the lock, which reads
    // the server's clock; that reading, not the larger estimate handed out, is what counts.
    clock.now += 1;
    known.learn(tail, [], new Date(server()), clock.now);
    expect(known.serverNow()!.getTime()).toBeLessThanOrEqual(server());
  });

  it('after the server refused it, there is no estimate until the next reading', () => {
    const clock = { now: 5 };
    const known = new KnownTail(10, () => clock.now);
    known.learn(tail, [], new Date(1_700_000_000_000), clock.now);
    expect(known.serverNow()).toEqual(new Date(1_700_000_000_000));
    known.forgetClock();
    expect(known.serverNow()).toBeUndefined();
  });
});
