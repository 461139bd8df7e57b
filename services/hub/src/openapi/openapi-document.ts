/**
 * The OpenAPI 3.1 description of every /v1 endpoint, generated from the zod schemas the routes
 * validate with (the domain's event definitions and envelope, the routers' query and body
 * schemas) and from the one error table: one source, so the document cannot drift from what
 * the hub accepts. Committed as schemas/openapi/hub.openapi.json (a test says when stale).
 */
import { z } from 'zod';
import { AuditRequest } from '@hub/graphql';
import { EVENT_DEFINITIONS, PublishedEnvelope } from '@hub/domain';
import { ERROR_TABLE, MAX_EVENTS_PER_BATCH, type ErrorCode } from '@hub/ingestion';
import {
  AsOfQuery,
  ClueListQuery,
  DrilldownQuery,
  DueQuery,
  FormQuery,
  RatesQuery,
  CaseResponse,
  ClueListResponse,
  ClueResponse,
  DrilldownResponse,
  DueResponse,
  FormResponse,
  FormSummaryResponse,
  PenaltyFlagsResponse,
  RatesResponse,
  WorklistResponse,
} from '@hub/reporting';
import {
  ScreeningAccepted,
  ScreeningQuery,
  ScreeningStatusResponse,
  Unmask,
  UnmaskResponse,
  Verification,
  VerificationResponse,
} from '@hub/certificates';
import { OPENAPI_EXAMPLES } from './examples.js';
import { AuditPage, CatalogueResponse, CheckpointResponse } from './response-schemas.js';

type Json = Record<string, unknown>;

/** The version of the /v1 API this document describes. */
export const API_VERSION = '1.0.0';

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends. */
const input = (schema: z.ZodType): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
};
/** JSON Schema 2020-12 of what the hub answers (an unlisted field is refused unless loose). */
const output = (schema: z.ZodType): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Each field of a query schema as a query parameter. */
function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    return {
      name,
      in: 'query',
      required: !fieldSchema.safeParse(undefined).success,
      schema: input(fieldSchema),
    };
  });
}
const pathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', minLength: 1, maxLength: 128 },
});

/** Codes every authenticated /v1 route may answer, whatever it does. */
const COMMON_CODES: ErrorCode[] = ['UNAUTHENTICATED', 'RATE_LIMITED', 'INTERNAL_ERROR'];

/** The problem+json answers of an operation, grouped by status, each naming its codes. */
function problemResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...new Set([...codes, ...COMMON_CODES])]) {
    const status = ERROR_TABLE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list
            .map((c) => `\`${c}\`: ${ERROR_TABLE[c].titleZh} / ${ERROR_TABLE[c].title}`)
            .join('; '),
          ...(status === 429
            ? { headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } } }
            : {}),
          content: {
            'application/problem+json': {
              schema: {
                allOf: [ref('Problem'), { properties: { code: { enum: list } } }],
              },
            },
          },
        },
      ]),
  );
}

const jsonBody = (schema: Json, description: string, example?: unknown) => ({
  description,
  content: {
    'application/json': { schema, ...(example === undefined ? {} : { example }) },
  },
});

/** Event variants: the envelope with one type, one schema version and that version's data. */
function eventVariants(): Record<string, Json> {
  const envelope = input(PublishedEnvelope) as { properties: Json; required: string[] };
  const variants: Record<string, Json> = {};
  for (const d of EVENT_DEFINITIONS) {
    const previous =
      (d as { previousSchemas?: Readonly<Record<number, z.ZodType>> }).previousSchemas ?? {};
    const versions: Array<[number, z.ZodType]> = [
      ...Object.entries(previous).map(([v, s]): [number, z.ZodType] => [Number(v), s]),
      [d.version, d.schema as z.ZodType],
    ];
    for (const [version, schema] of versions) {
      variants[`${d.type}.v${version}`] = {
        title: `${d.type} v${version}`,
        description: `${d.titleZh}. ${d.description} Publishers: ${d.publishers.join(', ')}.${
          version < d.version ? ' Superseded; still accepted and read through upcasters.' : ''
        }`,
        'x-publishers': [...d.publishers],
        ...envelope,
        properties: {
          ...envelope.properties,
          type: { const: d.type },
          schemaVersion: { const: version },
          data: input(schema),
        },
      };
    }
  }
  return variants;
}

const Problem = {
  type: 'object',
  description:
    'RFC 9457 problem details. `code` is stable for machines; `titleZh` is the Chinese title beside the English `title`; `detailZh` where the failure says more in Chinese.',
  required: ['type', 'code', 'status', 'title', 'titleZh'],
  properties: {
    type: { type: 'string' },
    code: ref('ErrorCode'),
    status: { type: 'integer' },
    title: { type: 'string' },
    titleZh: { type: 'string' },
    detail: { type: 'string' },
    detailZh: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Each problem of a refused batch or request, where it lies.',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer', description: 'index of the event in the batch' },
          pointer: { type: 'string', description: 'JSON Pointer inside the event or request' },
          message: { type: 'string' },
          code: { type: 'string' },
        },
      },
    },
  },
};

const PublishResult = input(
  z.object({
    accepted: z.number().int(),
    streams: z.array(
      z.object({
        stream: z.string(),
        nextExpectedRevision: z.number().int(),
        position: z.string().describe('global position, a decimal integer'),
        duplicate: z.boolean().describe('true when the events were recorded before'),
      }),
    ),
  }),
);
const ExpectedRevisions = input(
  z
    .record(
      z.string(),
      z.union([z.enum(['any', 'no_stream', 'stream_exists']), z.number().int().min(0)]),
    )
    .describe('optimistic concurrency per stream, e.g. { "inspection-INS-1": "no_stream" }'),
);

export function openApiDocument(version = API_VERSION): Json {
  const variants = eventVariants();
  const idempotencyKey = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'The same key from the same agency names the same screening: a retry answers 202 with `resubmitted: true` and screens nothing twice.',
    schema: { type: 'string', maxLength: 200 },
  };
  const officer = {
    name: 'X-Officer-Id',
    in: 'header',
    required: false,
    description: 'The officer acting, recorded as the actor (default: the credential).',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
  };
  const read = (
    summary: string,
    query: z.ZodObject | undefined,
    answer: z.ZodType,
    codes: ErrorCode[],
    extra: Json = {},
  ) => ({
    get: {
      summary,
      parameters: query ? queryParameters(query) : [],
      responses: {
        '200': jsonBody(output(answer), 'the answer'),
        ...problemResponses(['INVALID_REQUEST', ...codes]),
      },
      ...extra,
    },
  });
  const unitCodes: ErrorCode[] = ['OUT_OF_SCOPE', 'UNKNOWN_UNIT'];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Counterfeit-certificate data-sharing hub · 特种作业证件涉假联合治理数据共享平台',
      version,
      description:
        'Agency systems publish events and read forms, the clue ledger and certificate checks. Every failure is problem+json with a stable `code` and `titleZh`. Event ids are UUIDs chosen by the publisher: a batch sent again answers 200 and writes nothing, so every publish is safe to retry.',
    },
    servers: [{ url: '/' }],
    security: [{ agencyToken: [] }],
    tags: [
      { name: 'events', description: '发布事件 / publishing events' },
      { name: 'certificates', description: '证书核验、比对与解密 / certificate checks' },
      { name: 'reports', description: '报表 / forms' },
      { name: 'ledger', description: '行刑衔接台账 / the clue ledger' },
      { name: 'audit', description: '审计 / the audit trail (auditors, user token)' },
      { name: 'evidence', description: '存证 / signed checkpoints' },
      { name: 'catalogue', description: '事件目录 / the event catalogue' },
    ],
    paths: {
      '/v1/events': {
        post: {
          tags: ['events'],
          operationId: 'publishEvents',
          summary: '发布一批事件 / Publish a batch of events',
          description: `1 to ${MAX_EVENTS_PER_BATCH} events, appended atomically. The same batch again answers 200 with \`duplicate: true\` and writes nothing; the same event id with other content is 409. ID numbers in event data are sealed before anything is stored.`,
          parameters: [
            {
              name: 'Hub-Signature',
              in: 'header',
              required: false,
              description:
                'keyId=…,alg=ed25519|sm2,sig=<base64>: the agency’s signature over the body (required for agencies in HUB_SIGNATURES_REQUIRED).',
              schema: { type: 'string' },
            },
            {
              name: 'Content-Encoding',
              in: 'header',
              required: false,
              schema: { enum: ['gzip', 'deflate', 'br', 'identity'] },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['events'],
                  additionalProperties: false,
                  properties: {
                    events: {
                      type: 'array',
                      minItems: 1,
                      maxItems: MAX_EVENTS_PER_BATCH,
                      items: { oneOf: Object.keys(variants).map((name) => ref(name)) },
                    },
                    expectedRevisions: ExpectedRevisions,
                  },
                },
                examples: OPENAPI_EXAMPLES.publishEvents,
              },
            },
          },
          responses: {
            '201': jsonBody(PublishResult, 'the batch was appended'),
            '200': jsonBody(PublishResult, 'the batch was recorded before; nothing written'),
            ...problemResponses([
              'MALFORMED_JSON',
              'INVALID_BATCH',
              'INVALID_EVENTS',
              'EVENTS_FORBIDDEN',
              'SIGNATURE_REQUIRED',
              'SIGNATURE_INVALID',
              'IDEMPOTENCY_CONFLICT',
              'WRONG_EXPECTED_REVISION',
              'BODY_TOO_LARGE',
              'COMPRESSION_RATIO_TOO_HIGH',
              'BODY_NOT_DECOMPRESSIBLE',
              'UNSUPPORTED_CONTENT_ENCODING',
              'EVENT_TOO_LARGE',
              'EVENT_STORE_UNAVAILABLE',
              'EVENT_STORE_FULL',
            ]),
          },
        },
      },
      '/v1/certificates/verifications': {
        post: {
          tags: ['certificates'],
          operationId: 'verifyCertificate',
          summary: '核验一张证书 / Verify a certificate against the registry',
          description:
            'Recorded (CertificateVerified) when it names an inspection; `verificationId` makes a retry the same record.',
          parameters: [officer],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: input(Verification),
                examples: OPENAPI_EXAMPLES.verifyCertificate,
              },
            },
          },
          responses: {
            '200': jsonBody(
              output(VerificationResponse),
              'the result, evidence and the certificate masked',
            ),
            ...problemResponses([
              'INVALID_REQUEST',
              'MALFORMED_JSON',
              'OUT_OF_SCOPE',
              'RECORD_CONFLICT',
              'RECORD_INVALID',
              'EVENT_STORE_UNAVAILABLE',
            ]),
          },
        },
      },
      '/v1/certificates/screenings': {
        post: {
          tags: ['certificates'],
          operationId: 'screenRoster',
          summary: '批量比对花名册 / Screen a roster (CSV or XLSX body)',
          parameters: [...queryParameters(ScreeningQuery), idempotencyKey, officer],
          requestBody: {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
            },
          },
          responses: {
            '202': jsonBody(output(ScreeningAccepted), 'the screening runs; poll its status'),
            ...problemResponses([
              'INVALID_REQUEST',
              'BODY_TOO_LARGE',
              'COMPRESSION_RATIO_TOO_HIGH',
              'XLSX_INVALID',
              'XLSX_PART_TOO_LARGE',
              'XLSX_TOO_MANY_PARTS',
            ]),
          },
        },
      },
      '/v1/certificates/screenings/{id}': {
        get: {
          tags: ['certificates'],
          operationId: 'screeningStatus',
          summary: '比对进度 / A screening’s status',
          parameters: [pathParameter('id', 'screening id (SCR-…)')],
          responses: {
            '200': jsonBody(output(ScreeningStatusResponse), 'status, rows so far, summary'),
            ...problemResponses(['UNKNOWN_SCREENING']),
          },
        },
      },
      '/v1/certificates/screenings/{id}/results': {
        get: {
          tags: ['certificates'],
          operationId: 'screeningResults',
          summary: '比对结果 / A screening’s results (NDJSON)',
          parameters: [pathParameter('id', 'screening id (SCR-…)')],
          responses: {
            '200': {
              description: 'one JSON object a line',
              content: { 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            ...problemResponses(['UNKNOWN_SCREENING', 'SCREENING_RUNNING', 'SCREENING_FAILED']),
          },
        },
      },
      '/v1/certificates/unmask': {
        post: {
          tags: ['certificates'],
          operationId: 'unmaskHolder',
          summary: '解密查看持证人身份证号 / Unmask a holder’s ID number (on the audit record)',
          parameters: [officer],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: input(Unmask) } },
          },
          responses: {
            '200': jsonBody(output(UnmaskResponse), 'the ID number, not cached'),
            ...problemResponses([
              'INVALID_REQUEST',
              'MALFORMED_JSON',
              'UNMASKING_FORBIDDEN',
              'CERTIFICATE_NOT_FOUND',
              'PERSONAL_DATA_DESTROYED',
              'SUBJECT_KEYS_CHANGED',
              'AUDIT_UNAVAILABLE',
              'OUT_OF_SCOPE',
            ]),
          },
        },
      },
      '/v1/reports/forms': read(
        '报表目录 / The forms, their lines and periods',
        undefined,
        FormSummaryResponse,
        [],
        {
          tags: ['reports'],
          operationId: 'listForms',
        },
      ),
      '/v1/reports/forms/{formId}': {
        get: {
          tags: ['reports'],
          operationId: 'getForm',
          summary: '报表 / A form for a unit and period (JSON, CSV or XLSX)',
          parameters: [
            pathParameter('formId', 'shanghai-2024, guangdong-2018, jiangjin-2023 …'),
            ...queryParameters(FormQuery),
          ],
          responses: {
            '200': {
              description: 'the form',
              content: {
                'application/json': { schema: output(FormResponse) },
                'text/csv': { schema: { type: 'string' } },
                'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                  schema: { type: 'string', contentMediaType: 'application/octet-stream' },
                },
              },
            },
            ...problemResponses([
              'INVALID_REQUEST',
              'UNKNOWN_FORM',
              'INVALID_PERIOD',
              ...unitCodes,
            ]),
          },
        },
      },
      '/v1/reports/forms/{formId}/figures/{figureId}/events': {
        get: {
          ...read(
            '报表单元格所依据的事件 / The events behind a cell',
            DrilldownQuery,
            DrilldownResponse,
            ['UNKNOWN_FORM', 'INVALID_PERIOD', ...unitCodes],
          ).get,
          tags: ['reports'],
          operationId: 'formCellEvents',
          parameters: [
            pathParameter('formId', 'form id'),
            pathParameter('figureId', 'figure id'),
            ...queryParameters(DrilldownQuery),
          ],
        },
      },
      '/v1/reports/rates': read(
        '“两个100%” / The two 100% rates',
        RatesQuery,
        RatesResponse,
        unitCodes,
        {
          tags: ['reports'],
          operationId: 'rates',
        },
      ),
      '/v1/ledger/clues': read(
        '线索台账 / Every clue’s timeline',
        ClueListQuery,
        ClueListResponse,
        unitCodes,
        {
          tags: ['ledger'],
          operationId: 'listClues',
        },
      ),
      '/v1/ledger/clues/{clueId}': {
        get: {
          ...read('一条线索 / One clue', AsOfQuery, ClueResponse, ['UNKNOWN_CLUE', 'OUT_OF_SCOPE'])
            .get,
          tags: ['ledger'],
          operationId: 'getClue',
          parameters: [pathParameter('clueId', 'clue id'), ...queryParameters(AsOfQuery)],
        },
      },
      '/v1/ledger/due': read(
        '到期事项 / What is due, from whom, by when',
        DueQuery,
        DueResponse,
        unitCodes,
        {
          tags: ['ledger'],
          operationId: 'due',
        },
      ),
      '/v1/ledger/penalty-instead-of-prosecution': read(
        '以罚代刑 / Inspections flagged penalty instead of prosecution',
        undefined,
        PenaltyFlagsResponse,
        [],
        { tags: ['ledger'], operationId: 'penaltyInsteadOfProsecution' },
      ),
      '/v1/prosecution/worklist': read(
        '检察工作清单 / The procurator’s worklist',
        AsOfQuery,
        WorklistResponse,
        ['ROLE_FORBIDDEN'],
        {
          tags: ['ledger'],
          operationId: 'worklist',
        },
      ),
      '/v1/prosecution/cases/{caseId}': {
        get: {
          ...read('一个案件 / A case from filing to judgment', undefined, CaseResponse, [
            'UNKNOWN_CASE',
            'OUT_OF_SCOPE',
          ]).get,
          tags: ['ledger'],
          operationId: 'getCase',
          parameters: [pathParameter('caseId', 'case id')],
        },
      },
      '/v1/audit': read(
        '审计记录 / The audit trail',
        AuditRequest,
        AuditPage,
        ['ROLE_FORBIDDEN', 'AUDIT_QUERY_INVALID'],
        {
          tags: ['audit'],
          operationId: 'auditTrail',
          security: [{ userToken: [] }],
        },
      ),
      '/v1/audit/search': {
        post: {
          tags: ['audit'],
          operationId: 'auditSearch',
          summary: '审计记录（查询条件放在请求体）/ The audit trail, filters in the body',
          security: [{ userToken: [] }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: input(AuditRequest) } },
          },
          responses: {
            '200': jsonBody(output(AuditPage), 'a page of records'),
            ...problemResponses(['INVALID_REQUEST', 'ROLE_FORBIDDEN', 'AUDIT_QUERY_INVALID']),
          },
        },
      },
      '/v1/evidence/checkpoint': read(
        '最新签名检查点 / The latest signed checkpoint',
        undefined,
        CheckpointResponse,
        [],
        {
          tags: ['evidence'],
          operationId: 'checkpoint',
        },
      ),
      '/v1/evidence/public-key': {
        get: {
          tags: ['evidence'],
          operationId: 'publicKey',
          summary: '平台公钥 / The hub’s public key (PEM)',
          responses: {
            '200': {
              description: 'PEM',
              content: { 'application/x-pem-file': { schema: { type: 'string' } } },
            },
            ...problemResponses([]),
          },
        },
      },
      '/v1/catalogue': {
        get: {
          tags: ['catalogue'],
          operationId: 'catalogue',
          summary: '事件目录 / Who publishes which event type, its stream, addressees, versions',
          security: [],
          responses: { '200': jsonBody(output(CatalogueResponse), 'the catalogue') },
        },
      },
      '/v1/openapi.json': {
        get: {
          tags: ['catalogue'],
          operationId: 'openApi',
          summary: '本文档 / This document',
          security: [],
          responses: { '200': jsonBody({ type: 'object' }, 'OpenAPI 3.1') },
        },
      },
    },
    components: {
      securitySchemes: {
        agencyToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An agency credential: `npm run hub -- token create --agency … --units …`.',
        },
        userToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A person’s token (auditors): signed in through GraphQL.',
        },
      },
      schemas: {
        Problem,
        ErrorCode: {
          type: 'string',
          enum: Object.keys(ERROR_TABLE),
          'x-error-table': Object.fromEntries(
            Object.entries(ERROR_TABLE).map(([code, a]) => [
              code,
              { status: a.status, title: a.title, titleZh: a.titleZh, graphql: a.graphql },
            ]),
          ),
        },
        ...variants,
      },
    },
  };
}
