import { byOccurrence, withEntry, type TimelineDocument, type TimelineEntry } from './timeline.js';

/** mulberry32: the same cases on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(20261202);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** An entry at one of a few instants, written with either offset, so that ties and mixed zones occur. */
function entry(): TimelineEntry {
  const ms = Date.parse('2024-07-10T08:00:00Z') + Math.floor(random() * 6) * 3_600_000;
  const occurredAt = pick([
    new Date(ms).toISOString(),
    new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00'),
  ]);
  return {
    eventId: `e${Math.floor(random() * 40)}`,
    type: 'ClueTransferred',
    agency: 'emergency',
    reportingUnit: '310105',
    occurredAt,
    facts: {},
  };
}

describe('a timeline built entry by entry', () => {
  it('holds each event once, in the order of a full sort by occurrence, whatever order they came in', () => {
    for (let run = 0; run < 500; run++) {
      const entries = Array.from({ length: 1 + Math.floor(random() * 25) }, entry);
      let doc: TimelineDocument = { key: 'k', timeline: [] };
      for (const e of entries) doc = withEntry(doc, e);
      const firstOfEach = [...new Map(entries.reverse().map((e) => [e.eventId, e])).values()];
      expect(doc.timeline.map((e) => e.eventId)).toEqual(
        firstOfEach.sort(byOccurrence).map((e) => e.eventId),
      );
    }
  });

  it('changes nothing, not even the document, when an event comes again', () => {
    const e = entry();
    const doc = withEntry({ key: 'k', timeline: [] }, e);
    expect(withEntry(doc, { ...e, facts: { other: 1 } })).toBe(doc);
  });
});
