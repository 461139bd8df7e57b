import { z } from 'zod';
import { EVENT_DEFINITIONS } from './catalogue.js';
import { PublishedEnvelope } from './shared/envelope.js';

/** File name and JSON Schema (draft 2020-12) of every event type and version, and the envelope. */
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
  for (const d of EVENT_DEFINITIONS) {
    const about = `${d.titleZh}. ${d.description} Publishers: ${d.publishers.join(', ')}.`;
    out.push({
      file: `${d.type}.v${d.version}.json`,
      schema: toSchema(d.schema, `${d.type} v${d.version}`, about),
    });
    const previous = (d as { previousSchemas?: Record<number, z.ZodType> }).previousSchemas ?? {};
    for (const [version, schema] of Object.entries(previous)) {
      out.push({
        file: `${d.type}.v${version}.json`,
        schema: toSchema(
          schema,
          `${d.type} v${version}`,
          `${about} Superseded; read through upcasters.`,
        ),
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
