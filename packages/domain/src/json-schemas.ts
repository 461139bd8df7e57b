import { z } from 'zod';
import { EVENT_DEFINITIONS } from './catalogue.js';
import { eventCatalogue } from './catalogue-document.js';
import { PublishedEnvelope } from './shared/envelope.js';

/**
 * File name and JSON Schema (draft 2020-12) of every event type and version, and the envelope.
 * Each event schema carries the catalogue's facts as `x-` fields (publishers, streams,
 * addressees, versions), so a vendor reading one file knows who sends it and where it goes.
 */
export function eventJsonSchemas(): Array<{ file: string; schema: unknown }> {
  const toSchema = (schema: z.ZodType, title: string, description: string) => ({
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    title,
    description,
  });
  const out = [
    {
      file: 'envelope.json',
      schema: toSchema(
        PublishedEnvelope,
        'PublishedEnvelope',
        'What an agency sends for each event in POST /v1/events',
      ),
    },
  ];
  const catalogue = new Map(eventCatalogue().events.map((e) => [e.type, e]));
  for (const d of EVENT_DEFINITIONS) {
    const about = `${d.titleZh}. ${d.description} Publishers: ${d.publishers.join(', ')}.`;
    const entry = catalogue.get(d.type)!;
    const facts = (version: number) => ({
      'x-event-type': d.type,
      'x-schema-version': version,
      'x-current-version': d.version,
      ...(version < d.version ? { 'x-upcast-to': version + 1 } : {}),
      'x-publishers': entry.publishers,
      'x-streams': entry.streams,
      'x-addressees': entry.addressees,
    });
    out.push({
      file: `${d.type}.v${d.version}.json`,
      schema: { ...toSchema(d.schema, `${d.type} v${d.version}`, about), ...facts(d.version) },
    });
    const previous = (d as { previousSchemas?: Record<number, z.ZodType> }).previousSchemas ?? {};
    for (const [version, schema] of Object.entries(previous)) {
      out.push({
        file: `${d.type}.v${version}.json`,
        schema: {
          ...toSchema(
            schema,
            `${d.type} v${version}`,
            `${about} Superseded; read through upcasters.`,
          ),
          ...facts(Number(version)),
        },
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
