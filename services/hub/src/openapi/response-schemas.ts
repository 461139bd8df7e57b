/**
 * What the hub's own read routes answer (the catalogue, the signed checkpoint), as zod schemas
 * the OpenAPI document converts; the other routes' answers are described next to their routers.
 */
import { z } from 'zod';

export const CatalogueResponse = z.object({
  events: z.array(
    z.object({
      type: z.string(),
      titleZh: z.string(),
      description: z.string(),
      publishers: z.array(z.string()),
      streams: z.array(z.string()).describe('stream name patterns, {field} from the data'),
      currentVersion: z.number().int(),
      versions: z.array(
        z.object({
          version: z.number().int(),
          schema: z.string().describe('the JSON Schema file under schemas/events'),
          upcastTo: z
            .number()
            .int()
            .optional()
            .describe('read as this version through an upcaster'),
        }),
      ),
      addressees: z.object({
        always: z.array(z.string()),
        fromData: z.array(z.string()).describe('fields of the data naming an addressee'),
        dependsOnData: z.boolean(),
      }),
    }),
  ),
});

export const CheckpointResponse = z.object({
  format: z.literal('hub-chain-checkpoint-v1'),
  position: z.string().describe('global position, a decimal integer'),
  count: z.number().int(),
  head: z.string().describe('sha256:<hex> of the hash chain at position'),
  signedAt: z.string(),
  hub: z.object({ keyId: z.string(), alg: z.string(), publicKeyPem: z.string() }),
  signature: z.string().describe('base64'),
});

/**
 * A page of the audit trail. Each record is described as an object only: the record view lives
 * in services/graphql (auditRecordView) and is not yet a zod schema.
 */
export const AuditPage = z.object({
  records: z.array(z.looseObject({})),
  pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() }),
});
