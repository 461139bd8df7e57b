import { clockAt } from '@hub/domain';
import { inspection, TEST_SEALER } from '@hub/domain/testing';
import type { ConsumedMessage } from './client/kafka-port.js';
import { readIngressBatch } from './ingress.js';

/** The hub's clock: 2024-07-01 08:00 in Shanghai, five minutes' tolerance. */
const clock = clockAt('2024-07-01T00:00:00Z');
const message = (value: unknown, offset: number): ConsumedMessage => ({
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  offset: String(offset),
  headers: {},
});

describe('Kafka ingress', () => {
  describe('when an agency publishes an event dated a year in the future', () => {
    const ok = inspection('INS-OK');
    const future = { ...inspection('INS-F'), occurredAt: '2025-07-01T09:00:00+08:00' };
    const { accepted, rejected } = readIngressBatch(
      'hub.ingress.emergency',
      [message(ok, 0), message(future, 1)],
      { clock, sealer: TEST_SEALER },
    );

    it('dead-letters it with the reason, Chinese first, as HTTP refuses it', () => {
      expect(rejected).toEqual([
        {
          message: expect.objectContaining({ offset: '1' }),
          reason: expect.stringMatching(
            /^\/occurredAt: 时间 2025-07-01T09:00:00\+08:00 晚于平台当前时间/,
          ),
        },
      ]);
    });

    it('appends the others of the batch', () => {
      expect(accepted.map((a) => a.event.id)).toEqual([ok.id]);
    });
  });
});
