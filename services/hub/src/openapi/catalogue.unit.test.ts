/**
 * The machine-readable catalogue says what the hub does: every event of the demo campaign (all
 * seven agencies, every step of the linkage workflow) is published by an agency the catalogue
 * lists, lands in a stream of a pattern it gives, and is addressed as it says.
 */
import { generateDemoCampaign } from '@hub/demo';
import { addresseesOf, eventCatalogue, streamOf, type HubEvent } from '@hub/domain';

const catalogue = new Map(eventCatalogue().events.map((e) => [e.type, e]));
const patternOf = (stream: string) =>
  new RegExp(`^${stream.replace(/[-.]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
const valueAt = (data: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);

describe('the event catalogue', () => {
  const campaign = generateDemoCampaign();

  it('names the publishers, the stream and the addressees of every event the demo records', () => {
    expect(campaign.length).toBeGreaterThan(100);
    const seen = new Set<string>();
    for (const { agency, event } of campaign) {
      const entry = catalogue.get(event.type);
      expect({ type: event.type, known: entry !== undefined }).toEqual({
        type: event.type,
        known: true,
      });
      seen.add(event.type);
      expect(entry!.publishers).toContain(agency);
      const hubEvent = { type: event.type, data: event.data, metadata: { agency } } as HubEvent;
      const stream = streamOf(hubEvent);
      expect({
        type: event.type,
        stream,
        matches: entry!.streams.some((p) => patternOf(p).test(stream)),
      }).toMatchObject({ matches: true });
      const addressed = addresseesOf(hubEvent);
      const told = new Set([
        ...entry!.addressees.always,
        ...entry!.addressees.fromData.map((p) => String(valueAt(event.data, p))),
      ]);
      for (const a of addressed)
        if (!entry!.addressees.dependsOnData)
          expect({ type: event.type, a, told: told.has(a) }).toMatchObject({ told: true });
      for (const a of entry!.addressees.always.filter((x) => x !== agency))
        expect({ type: event.type, a, addressed: addressed.includes(a as never) }).toMatchObject({
          addressed: true,
        });
    }
    expect(seen.size).toBeGreaterThan(25);
  });

  it('gives every schema version and the upcaster between them', () => {
    const fine = catalogue.get('FineImposed')!;
    expect(fine.currentVersion).toBe(2);
    expect(fine.versions).toEqual([
      { version: 1, schema: 'FineImposed.v1.json', upcastTo: 2 },
      { version: 2, schema: 'FineImposed.v2.json' },
    ]);
    expect(catalogue.get('CaseFiled')!.streams).toEqual(['case-{caseId}', 'clue-{clueId}']);
    expect(catalogue.get('ClueTransferred')!.addressees).toEqual({
      always: ['police', 'procuratorate'],
      fromData: [],
      dependsOnData: false,
    });
  });
});
