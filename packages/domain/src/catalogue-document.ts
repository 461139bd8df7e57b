/**
 * The event catalogue as data, for machines: for each event type who may publish it, how its
 * stream is named, to whom it is addressed, its schema versions and upcasters. Read from the
 * definitions themselves (EVENT_DEFINITIONS), so it says what the hub enforces. Pure.
 */
import type { z } from 'zod';
import { EVENT_DEFINITIONS } from './catalogue.js';
import { AGENCIES } from './shared/agencies.js';
import type { EventDefinition } from './shared/event-definition.js';

export interface CatalogueEntry {
  type: string;
  titleZh: string;
  description: string;
  publishers: string[];
  /** Stream names with `{field.path}` placeholders for values of the data, one per shape. */
  streams: string[];
  addressees: {
    /** Agencies every event of the type is addressed to. */
    always: string[];
    /** Data fields naming further addressees (an agency code), e.g. `transferringAgency`. */
    fromData: string[];
    /** True when who is addressed depends on the data in a way the description says. */
    dependsOnData: boolean;
  };
  currentVersion: number;
  versions: Array<{ version: number; schema: string; upcastTo?: number }>;
}

const PATH = Symbol('path');

/**
 * Data that answers every property with a placeholder naming its path, so a stream or
 * addressee function applied to it shows how it is built (`inspection-{inspectionId}`).
 * Fields listed in `absent` read as undefined, to see the shape without optional fields.
 */
function placeholderData(absent: ReadonlySet<string>, path: string[] = []): unknown {
  const name = path.join('.');
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (property === PATH) return name;
        if (property === Symbol.toPrimitive || property === 'toString') return () => `{${name}}`;
        if (typeof property === 'symbol') return undefined;
        // A stream function may treat a value as the string it is (`number.startsWith`).
        const text = `{${name}}`;
        const method: unknown = (String.prototype as unknown as Record<string, unknown>)[property];
        if (typeof method === 'function')
          return (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(text, args);
        const next = [...path, property];
        return absent.has(next.join('.')) ? undefined : placeholderData(absent, next);
      },
    },
  );
}

const optionalFields = (schema: z.ZodType): Set<string> => {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return new Set();
  return new Set(
    Object.entries(shape)
      .filter(([, field]) => field.safeParse(undefined).success)
      .map(([name]) => name),
  );
};

function entryOf(definition: EventDefinition): CatalogueEntry {
  // Every field present; every optional field absent; each optional field absent alone.
  const optional = optionalFields(definition.schema);
  const shapes = [new Set<string>(), optional, ...[...optional].map((f) => new Set([f]))];
  const streams = new Set<string>();
  const always = new Set<string>();
  const fromData = new Set<string>();
  let dependsOnData = false;
  for (const absent of shapes) {
    const data = placeholderData(absent) as never;
    const stream = definition.stream(data);
    // A shape the schema refuses (neither of two ids) names no stream.
    if (!stream.includes('undefined')) streams.add(stream);
    for (const addressee of definition.addressees?.(data) ?? []) {
      const value = addressee as unknown;
      if (typeof value === 'string' && (AGENCIES as readonly string[]).includes(value))
        always.add(value);
      else if (value && typeof value === 'object') fromData.add(String((value as never)[PATH]));
      else dependsOnData = true;
    }
  }
  const previous = Object.keys(
    (definition as { previousSchemas?: Record<number, unknown> }).previousSchemas ?? {},
  ).map(Number);
  const versions = [...previous, definition.version].sort((a, b) => a - b);
  return {
    type: definition.type,
    titleZh: definition.titleZh,
    description: definition.description,
    publishers: [...definition.publishers],
    streams: [...streams].sort(),
    addressees: {
      always: [...always].sort(),
      fromData: [...fromData].sort(),
      dependsOnData: dependsOnData || fromData.size > 0,
    },
    currentVersion: definition.version,
    versions: versions.map((version) => ({
      version,
      schema: `${definition.type}.v${version}.json`,
      ...(version < definition.version ? { upcastTo: version + 1 } : {}),
    })),
  };
}

/** Every event type of the hub, in the catalogue's order. */
export function eventCatalogue(): { events: CatalogueEntry[] } {
  return {
    events: EVENT_DEFINITIONS.map((d) => entryOf(d as unknown as EventDefinition)),
  };
}
