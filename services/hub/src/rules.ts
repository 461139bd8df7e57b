import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  DEFAULT_DEADLINE_RULES,
  DEFAULT_TRANSFER_CRITERIA,
  type DeadlineRule,
  type TransferCriteria,
} from '@hub/domain';
import { ConfigError } from './config.js';

/**
 * Local rules (HUB_RULES_FILE, JSON): periods the hub does not set by default (应急〔2019〕54号,
 * the procuratorate's reply expectations), newer versions of a rule, and the transfer criteria
 * of the 以罚代刑 flag. A rule with the id and inForceFrom of a default changes that default;
 * any other is a new rule or a new version, in force from its date.
 */
const RulePatch = z
  .object({
    id: z.string().min(1),
    inForceFrom: z.iso.date(),
    withinHours: z.number().positive().nullable().optional(),
    source: z.string().min(1).optional(),
    labelZh: z.string().min(1).optional(),
  })
  .strict();

const RulesFile = z
  .object({
    deadlineRules: z.array(RulePatch).default([]),
    transferCriteria: z
      .object({
        fakeCertificatesAtLeast: z.number().int().positive(),
        sellerSubjectKinds: z.array(z.string()),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface HubRules {
  deadlineRules: DeadlineRule[];
  transferCriteria: TransferCriteria;
}

export function loadRules(file: string | undefined): HubRules {
  if (!file)
    return {
      deadlineRules: [...DEFAULT_DEADLINE_RULES],
      transferCriteria: DEFAULT_TRANSFER_CRITERIA,
    };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `HUB_RULES_FILE=${file} cannot be read as JSON: ${(error as Error).message}`,
    );
  }
  const parsed = RulesFile.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      `HUB_RULES_FILE=${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const rules = [...DEFAULT_DEADLINE_RULES];
  for (const patch of parsed.data.deadlineRules) {
    const same = rules.findIndex((r) => r.id === patch.id && r.inForceFrom === patch.inForceFrom);
    const base = same >= 0 ? rules[same] : rules.find((r) => r.id === patch.id);
    if (!base)
      throw new ConfigError(`HUB_RULES_FILE=${file}: no deadline rule "${patch.id}" to change`);
    const rule: DeadlineRule = {
      ...base,
      inForceFrom: patch.inForceFrom,
      ...(patch.withinHours !== undefined ? { withinHours: patch.withinHours } : {}),
      ...(patch.source ? { source: patch.source } : {}),
      ...(patch.labelZh ? { labelZh: patch.labelZh } : {}),
    };
    if (same >= 0) rules[same] = rule;
    else rules.push(rule);
  }
  return {
    deadlineRules: rules,
    transferCriteria: parsed.data.transferCriteria ?? DEFAULT_TRANSFER_CRITERIA,
  };
}
