import type { z } from 'zod';
import { eventDefinition, upcast } from '../catalogue.js';
import type { Agency } from '../shared/agencies.js';
import { PublishedEnvelope, type EventMetadata } from '../shared/envelope.js';
import {
  holdsIdNumberInClear,
  sealPersonalDataIn,
  type PersonalDataSealer,
} from '../shared/personal-data-refs.js';
import { futureProblem, HAPPENED_FIELDS, type RecordingClock } from '../shared/recording-time.js';
import { envelopeFastPath } from './envelope-fast-path.js';

/** One thing wrong with one event of a batch, located by JSON Pointer (RFC 6901). */
export interface EventProblem {
  index: number;
  pointer: string;
  message: string;
  /** `forbidden`: the agency may not publish this; `invalid`: the event itself is malformed. */
  kind: 'invalid' | 'forbidden';
  /** Stable machine code of the problem where it has one (e.g. NAME_INVISIBLE_CHARACTER). */
  code?: string;
}

/** A validated event ready for the store; `data` is normalised but kept at its published version. */
export interface AcceptedEvent {
  id: string;
  type: string;
  stream: string;
  data: unknown;
  metadata: EventMetadata;
}

export type ValidationResult =
  { ok: true; event: AcceptedEvent } | { ok: false; problems: EventProblem[] };

function pointer(index: number, path: readonly PropertyKey[]): string {
  const escaped = path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1'));
  return ['', 'events', String(index), ...escaped].join('/');
}

function zodProblems(
  index: number,
  error: z.ZodError,
  prefix: readonly PropertyKey[],
): EventProblem[] {
  return error.issues.map((issue) => {
    const code: unknown = issue.code === 'custom' ? issue.params?.code : undefined;
    return {
      index,
      pointer: pointer(index, [...prefix, ...issue.path]),
      message: issue.message,
      kind: 'invalid' as const,
      ...(typeof code === 'string' ? { code } : {}),
    };
  });
}

const HAPPENED: ReadonlySet<string> = new Set(HAPPENED_FIELDS);

/** Fields of data that say when something happened and lie in the future, with their paths. */
function futureTimes(
  value: unknown,
  clock: RecordingClock,
  path: PropertyKey[],
  out: Array<{ path: PropertyKey[]; message: string; code: string }>,
) {
  if (!value || typeof value !== 'object') return out;
  // Object.keys, and a path copied only for what is descended into: every event is walked.
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const field = object[key];
    if (typeof field === 'string') {
      const problem = HAPPENED.has(key) ? futureProblem(field, clock) : undefined;
      if (problem) out.push({ path: [...path, key], ...problem });
    } else if (field && typeof field === 'object') futureTimes(field, clock, [...path, key], out);
  }
  return out;
}

/** What validation needs from outside the domain. */
export interface ValidationContext {
  /** The moment of recording and the clock-skew tolerance (the domain never reads the clock). */
  clock: RecordingClock;
  /** Seals ID numbers before the event is stored (the vault, at the edge). */
  sealer: PersonalDataSealer;
}

/**
 * Checks one published event against the catalogue, on behalf of the agency whose credential
 * sent it: envelope, known type and version, publishing rights, and the data schema; that
 * neither the event nor what its data says happened lies in the future of the clock; then seals
 * its personal data, so that no ID number in clear reaches the store.
 */
export function validatePublishedEvent(
  raw: unknown,
  agency: Agency,
  index: number,
  context: ValidationContext,
): ValidationResult {
  const { clock } = context;
  let e = envelopeFastPath(raw);
  if (!e) {
    const envelope = PublishedEnvelope.safeParse(raw);
    if (!envelope.success) return { ok: false, problems: zodProblems(index, envelope.error, []) };
    e = envelope.data;
  }
  const problem = (path: PropertyKey[], message: string, kind: EventProblem['kind']) => ({
    ok: false as const,
    problems: [{ index, pointer: pointer(index, path), message, kind }],
  });
  const future = futureProblem(e.occurredAt, clock);
  if (future)
    return {
      ok: false,
      problems: [
        {
          index,
          pointer: pointer(index, ['occurredAt']),
          message: future.message,
          kind: 'invalid',
          code: future.code,
        },
      ],
    };

  const definition = eventDefinition(e.type);
  if (!definition) return problem(['type'], `unknown event type "${e.type}"`, 'invalid');
  if (e.agency && e.agency !== agency) {
    return problem(
      ['agency'],
      `event claims agency "${e.agency}" but the credential belongs to "${agency}"`,
      'forbidden',
    );
  }
  if (!definition.publishers.includes(agency)) {
    return problem(
      ['type'],
      `agency "${agency}" may not publish ${e.type} (publishers: ${definition.publishers.join(', ')})`,
      'forbidden',
    );
  }
  const schema =
    e.schemaVersion === definition.version
      ? definition.schema
      : definition.previousSchemas?.[e.schemaVersion];
  if (!schema) {
    return problem(
      ['schemaVersion'],
      `unknown schema version ${e.schemaVersion} of ${e.type} (this hub reads versions 1 to ${definition.version})`,
      'invalid',
    );
  }
  const data = schema.safeParse(e.data);
  if (!data.success) return { ok: false, problems: zodProblems(index, data.error, ['data']) };
  const futures = futureTimes(data.data, clock, ['data'], []);
  if (futures.length > 0)
    return {
      ok: false,
      problems: futures.map((f) => ({
        index,
        pointer: pointer(index, f.path),
        message: f.message,
        kind: 'invalid' as const,
        code: f.code,
      })),
    };

  const sealed = sealPersonalDataIn(data.data, context.sealer);
  const clear = [
    ...sealed.problems.map((p) => ({ ...p, path: ['data', ...p.path] })),
    ...(holdsIdNumberInClear(e.actor)
      ? [
          {
            path: ['actor'],
            message: '操作人信息中不得含身份证号 / the actor may not hold an ID number',
          },
        ]
      : []),
  ];
  if (clear.length > 0)
    return {
      ok: false,
      problems: clear.map((p) => ({
        index,
        pointer: pointer(index, p.path),
        message: p.message,
        kind: 'invalid' as const,
        code: 'ID_NUMBER_IN_CLEAR',
      })),
    };

  const current = upcast(e.type, e.schemaVersion, sealed.data);
  const refusal = definition.mayPublish?.(agency, current);
  if (refusal) return problem(['data'], refusal, 'forbidden');

  return {
    ok: true,
    event: {
      id: e.id,
      type: e.type,
      stream: definition.stream(current),
      data: sealed.data,
      metadata: metadataOf(e, agency),
    },
  };
}

/** The envelope fields the hub keeps with an event published by `agency`. */
export function metadataOf(e: PublishedEnvelope, agency: Agency): EventMetadata {
  return {
    eventId: e.id,
    schemaVersion: e.schemaVersion,
    agency,
    reportingUnit: e.reportingUnit,
    occurredAt: e.occurredAt,
    // A publisher that starts a conversation gets the event's own id as correlation id.
    correlationId: e.correlationId ?? e.id,
    causationId: e.causationId ?? null,
    actor: e.actor,
  };
}
