import type { z } from 'zod';
import type { Agency } from './agencies.js';

/** Turns the data of version N into the data of version N+1. Pure. */
export type Upcaster = (data: unknown) => unknown;

/**
 * Everything the hub knows about one event type: who may publish it, which stream (aggregate)
 * it belongs to, to whom it is addressed, and how older versions are read.
 */
export interface EventDefinition<
  TType extends string = string,
  TSchema extends z.ZodType = z.ZodType,
> {
  readonly type: TType;
  readonly version: number;
  readonly titleZh: string;
  readonly description: string;
  readonly schema: TSchema;
  readonly publishers: readonly Agency[];
  /** Further, data-dependent publishing rule (e.g. an issuer publishes only its own certificate types). */
  readonly mayPublish?: (agency: Agency, data: z.output<TSchema>) => string | undefined;
  /** The stream (aggregate) the event belongs to, e.g. `clue-<id>`. */
  readonly stream: (data: z.output<TSchema>) => string;
  /** Agencies that must be told of the event (relayed to their inbox), beyond the publisher. */
  readonly addressees?: (data: z.output<TSchema>) => readonly Agency[];
  /** upcasters[n] reads version n data as version n+1. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
  /** Schemas of older versions, for validating events published under them. */
  readonly previousSchemas?: Readonly<Record<number, z.ZodType>>;
}

export function defineEvent<const TType extends string, TSchema extends z.ZodType>(
  definition: EventDefinition<TType, TSchema>,
): EventDefinition<TType, TSchema> {
  for (let v = 1; v < definition.version; v++) {
    if (!definition.upcasters?.[v]) {
      throw new Error(
        `${definition.type}: version ${definition.version} needs an upcaster from v${v}`,
      );
    }
  }
  return definition;
}
