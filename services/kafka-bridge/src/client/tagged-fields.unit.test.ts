import { Reader } from '@platformatic/kafka';
import './tagged-fields.js';

/** A struct's tagged-field section followed by an INT32 (what the parser reads next). */
function section(fields: Array<[tag: number, bytes: number[]]>, next: number): Buffer {
  const out: number[] = [fields.length];
  for (const [tag, bytes] of fields) out.push(tag, bytes.length, ...bytes);
  const tail = Buffer.alloc(4);
  tail.writeInt32BE(next);
  return Buffer.concat([Buffer.from(out), tail]);
}

describe('tagged fields in Kafka answers', () => {
  it('are skipped whole (count, then tag, size and bytes each), so what follows reads right', () => {
    // A "not the leader" answer from a 3.7+ broker: current_leader (tag 0) with 10 bytes.
    const reader = Reader.from(
      section(
        [
          [0, [0, 0, 0, 1, 0, 0, 0, 7, 0, 0]],
          [1, [9, 9]],
        ],
        42,
      ),
    );
    reader.readTaggedFields();
    expect(reader.readInt32()).toBe(42);
  });

  it('leave an answer without any untouched (control)', () => {
    const reader = Reader.from(section([], 7));
    reader.readTaggedFields();
    expect(reader.readInt32()).toBe(7);
  });
});
