/**
 * What the certificate routes answer, as zod schemas: the one source the OpenAPI document
 * converts to JSON Schema (an e2e test validates the running hub's answers against it).
 */
import { z } from 'zod';
import { CERTIFICATE_TYPES, VERIFICATION_RESULTS } from '@hub/domain';

/** The domain's Verification with the certificate masked and the events recorded. */
export const VerificationResponse = z.object({
  result: z.enum(VERIFICATION_RESULTS),
  evidence: z.array(z.string()).describe('why, in Chinese, ID numbers masked'),
  findingKind: z.string().optional(),
  certificate: z.object({
    type: z.enum(CERTIFICATE_TYPES),
    numberMasked: z.string(),
    registryKey: z.string(),
  }),
  recordedEventIds: z.array(z.string()).describe('events recorded (empty without an inspection)'),
});

export const ScreeningAccepted = z.object({
  screeningId: z.string(),
  status: z.string().describe('where to poll the screening'),
  resubmitted: z.boolean().optional(),
});

export const ScreeningStatusResponse = z.object({
  id: z.string(),
  agency: z.string(),
  purpose: z.string(),
  caseId: z.string().optional(),
  status: z.enum(['running', 'done', 'failed']),
  rows: z.number().int(),
  rejectedRows: z.number().int(),
  negativeRows: z.number().int(),
  anomalies: z.number().int(),
  byResult: z.record(z.string(), z.number().int()),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  results: z.string().describe('where to fetch the results'),
});

export const UnmaskResponse = z.object({ idNumber: z.string(), numberMasked: z.string() });
