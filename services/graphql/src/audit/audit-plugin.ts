import type { ApolloServerPlugin } from '@apollo/server';
import type { AuditAction, AuditOutcome, AuditSubject } from '@hub/audit';
import { checkSubject } from '@hub/certificates';
import { CERTIFICATE_TYPES } from '@hub/domain';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type GraphQLField,
  type DocumentNode,
  type FieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { userActorOf } from '../auth/sign-in.js';
import type { GraphqlContext, GraphqlDeps } from '../context.js';
import type { resolvers } from '../schema/resolvers.js';
import { auditFilterSummary, type AuditFilterInput } from './audit-query.js';

type Args = Record<string, unknown>;

interface FieldAudit {
  action: AuditAction;
  subject?: (args: Args, deps: GraphqlDeps) => AuditSubject;
  purpose?: (args: Args) => unknown;
  caseId?: (args: Args) => unknown;
}

/** Scalars of the arguments named, each at most 100 characters: what a read asked for. */
function summary(args: Args, names: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const name of names) {
    const value = args[name];
    if (typeof value === 'string') out[name] = value.slice(0, 100);
    else if (typeof value === 'number' || typeof value === 'boolean') out[name] = value;
  }
  return out;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, 100) : undefined;
const defined = (subject: AuditSubject): AuditSubject =>
  Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== undefined));

const formRead = (args: Args): AuditSubject =>
  defined({
    form: text(args.formId),
    figure: text(args.figureId),
    unit: text(args.unit),
    period: text(args.period),
    args: summary(args, ['column', 'asOf', 'first']),
  });

/**
 * What each root field of the Query type puts on the audit record. Typed over the resolvers,
 * so a new root field does not compile until it says here whether and how it is audited
 * (null: it names nothing of anyone, and says why).
 */
export const FIELD_AUDIT: Record<keyof typeof resolvers.Query, FieldAudit | null> = {
  // The caller's own identity, and the list of form templates: nothing of anyone.
  me: null,
  forms: null,
  form: { action: 'export.form', subject: formRead },
  formCellEvents: { action: 'export.drilldown', subject: formRead },
  formCellEventDetails: { action: 'export.drilldown', subject: formRead },
  // The events' content (masked): the same action, told apart by what was read.
  formCellEventContents: {
    action: 'export.drilldown',
    subject: (args) => ({ ...formRead(args), view: 'content' }),
  },
  clues: {
    action: 'export.ledger',
    subject: (args) => {
      const filter = (args.filter ?? {}) as Args;
      return defined({
        view: 'clues',
        unit: text(filter.unit),
        args: {
          ...summary(filter, ['agency', 'status', 'due', 'from', 'to']),
          ...summary(args, ['first', 'after']),
        },
      });
    },
  },
  clue: {
    action: 'export.ledger',
    subject: (args) => defined({ view: 'clue', clueId: text(args.clueId) }),
  },
  cases: {
    action: 'export.case',
    subject: (args) => ({ view: 'cases', args: summary(args, ['stage', 'first', 'after']) }),
  },
  case: { action: 'export.case', subject: () => ({ view: 'case' }), caseId: (args) => args.caseId },
  procuratorWorklist: { action: 'export.worklist' },
  verifyCertificate: {
    action: 'certificate.verify',
    subject: (args, deps) => {
      const input = (args.input ?? {}) as Args;
      const type = CERTIFICATE_TYPES.find((t) => t === input.certificateType);
      const number = typeof input.number === 'string' ? input.number : undefined;
      const holder = typeof input.holderIdNumber === 'string' ? input.holderIdNumber : undefined;
      // By keys and masks only: the number may hold an ID number, the holder is one.
      return {
        ...(type && number ? checkSubject(deps.vault, type, number, holder) : {}),
        args: summary(input, ['job']),
      };
    },
  },
  screening: {
    action: 'screening.status',
    subject: (args) => defined({ screeningId: text(args.screeningId) }),
  },
  screeningResults: {
    action: 'screening.results',
    subject: (args) =>
      defined({ screeningId: text(args.screeningId), args: summary(args, ['first', 'after']) }),
  },
  agencyActivity: {
    action: 'export.activity',
    subject: (args) => ({
      period: `${text(args.from) ?? ''}..${text(args.to) ?? ''}`,
      args: summary(args, ['agency']),
    }),
  },
  // Recorded by unmaskHolder itself once past the arguments; here only when refused before.
  certificateHolder: {
    action: 'personal_data.unmask',
    subject: (args) =>
      defined({
        registryKey: text(args.registryKey),
        certificateType: text(args.certificateType),
        unit: text(args.reportingUnit),
        unmaskingId: text(args.unmaskingId),
      }),
    purpose: (args) => args.purpose,
    caseId: (args) => args.caseId,
  },
  auditTrail: {
    action: 'audit.read',
    subject: (args, deps) => {
      const filter = auditFilterSummary(args.filter as AuditFilterInput | undefined, deps.vault);
      return { ...filter, args: { ...filter.args, ...summary(args, ['first', 'after']) } };
    },
  },
};

const isAuditedField = (name: string): name is keyof typeof FIELD_AUDIT => name in FIELD_AUDIT;
/** A field's rule; none for __typename and fields the table says name nothing. */
const ruleOf = (name: string): FieldAudit | null =>
  isAuditedField(name) ? FIELD_AUDIT[name] : null;

interface RootField {
  name: string;
  responseKey: string;
  node: FieldNode;
}

/** The root fields of an operation, through fragments, as the executor would see them. */
function rootFields(document: DocumentNode, operation: OperationDefinitionNode): RootField[] {
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const out: RootField[] = [];
  const walk = (set: SelectionSetNode, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD)
        out.push({ name: s.name.value, responseKey: s.alias?.value ?? s.name.value, node: s });
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet, new Set([...seen, s.name.value]));
      }
    }
  };
  walk(operation.selectionSet, new Set());
  return out;
}

/**
 * A field's arguments with the request's variables, or undefined when they cannot be read
 * (variables that did not coerce: the request was refused, which its outcome says).
 */
function argumentsOf(
  definition: GraphQLField<unknown, unknown> | undefined,
  node: FieldNode,
  variables: { [name: string]: unknown } | undefined,
): Args | undefined {
  if (!definition || !variables) return undefined;
  try {
    return getArgumentValues(definition, node, variables);
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
}

/** refused for the caller's mistakes and rights, failed for the hub's own errors. */
function outcomeOf(errors: readonly GraphQLFormattedError[]): {
  outcome: AuditOutcome;
  code?: string;
} {
  const first = errors[0];
  if (!first) return { outcome: 'ok' };
  const graphqlCode = text(first.extensions?.code);
  const failed = graphqlCode === 'INTERNAL_SERVER_ERROR' || graphqlCode === 'SERVICE_UNAVAILABLE';
  return {
    outcome: failed ? 'failed' : 'refused',
    code: text(first.extensions?.reason) ?? graphqlCode ?? 'ERROR',
  };
}

/** Rows a list or a connection gave out. */
function countOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  const edges = (value as { edges?: unknown } | null | undefined)?.edges;
  return Array.isArray(edges) ? edges.length : undefined;
}

/**
 * Puts every root field of every query on the audit record once its response is ready —
 * answered from the response cache or executed, allowed or refused — with the viewer, a
 * summary of the arguments (ID numbers as match keys), the outcome and the rows given out.
 * Recording is an in-memory push: the trail writes in the background.
 */
export function auditPlugin(schema: GraphQLSchema): ApolloServerPlugin<GraphqlContext> {
  const queryType = schema.getQueryType()!;
  return {
    async requestDidStart() {
      return {
        async willSendResponse(rc) {
          const operation = rc.operation;
          const document = rc.document;
          if (!operation || !document || operation.operation !== OperationTypeNode.QUERY) return;
          const ctx = rc.contextValue;
          const body =
            rc.response.body.kind === 'single' ? rc.response.body.singleResult : undefined;
          const errors = body?.errors ?? [];
          const variables = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            rc.request.variables ?? {},
          );
          for (const field of rootFields(document, operation)) {
            const rule = ruleOf(field.name);
            if (!rule || ctx.selfAudited.has(field.responseKey)) continue;
            const definition = queryType.getFields()[field.name];
            const args = argumentsOf(definition, field.node, variables.coerced);
            const own = errors.filter((e) => !e.path || e.path[0] === field.responseKey);
            const purpose = args && text(rule.purpose?.(args));
            const caseId = args && text(rule.caseId?.(args));
            const count = own.length ? undefined : countOf(body?.data?.[field.responseKey]);
            ctx.deps.audit.record({
              actor: userActorOf(ctx.viewer),
              action: rule.action,
              ...(purpose ? { purpose } : {}),
              ...(caseId ? { caseId } : {}),
              subject: {
                field: field.name,
                ...(args ? rule.subject?.(args, ctx.deps) : { args: { unreadable: true } }),
                ...(count !== undefined ? { count } : {}),
              },
              from: ctx.from,
              result: outcomeOf(own),
            });
          }
        },
      };
    },
  };
}
