import { existsSync } from 'node:fs';
import { residentIdProblem } from '@hub/domain';
import type { HubConfig } from '../config.js';
import { openReadModels, openVault, vaultFileOf, vaultKeys } from '../compose.js';
import { rewrapAndJudge, verdictLines } from '../personal-data/retire-keys.js';
import { moveSubjectKeys } from '../server-move/move-subject-keys.js';
import { cliAudited } from './cli-audit.js';
import { flagValue, usage, type Flags, type Out } from './usage.js';

const USAGE =
  'hub personal-data forget --id-number <resident ID number> --reason <text> | hub personal-data forget --subject <match key> --reason <text> | hub personal-data move-keys | hub personal-data rewrap';

/**
 * `hub personal-data forget`: the end of a person's retention period. Destroys the person's
 * subject keys, so every sealed copy of their ID number, everywhere it was copied, can no
 * longer be opened; the events, the chain and every count stay as they were. The ID number
 * given here is used for its match key only, and is neither stored nor printed.
 */
export async function personalDataCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
): Promise<void> {
  if (args.length === 1 && args[0] === 'move-keys') return moveKeysCommand(config, flags, out);
  if (args.length === 1 && args[0] === 'rewrap') return rewrapCommand(config, flags, out);
  if (args.length !== 1 || args[0] !== 'forget') throw usage(`用法：${USAGE}`, `usage: ${USAGE}`);
  const idNumber = flagValue(flags, 'id-number')?.toUpperCase();
  const given = flagValue(flags, 'subject');
  const reason = flagValue(flags, 'reason');
  if (!reason || reason.trim().length < 2)
    throw usage(
      '缺少 --reason（销毁的依据，如保存期限届满）',
      'missing --reason (why, e.g. the retention period ended)',
    );
  if ((idNumber === undefined) === (given === undefined))
    throw usage('须给出 --id-number 或 --subject 之一', 'give one of --id-number or --subject');
  if (idNumber !== undefined && residentIdProblem(idNumber))
    throw usage('--id-number 不是有效的身份证号', '--id-number is not a valid resident ID number');
  const vault = await openVault(config);
  try {
    const subject = given ?? vault.matchKey(idNumber!);
    // On the audit record: the person by match key, the reason, how many keys went.
    const destroyed = await cliAudited(
      config,
      'personal_data.forget',
      { subject: { holderKey: subject }, purpose: reason.trim() },
      async (note) => {
        const count = await vault.forget(subject, reason.trim());
        note({ subject: { count } });
        return count;
      },
    );
    out(
      destroyed > 0
        ? `已销毁该人员的 ${destroyed} 个密钥：其身份证号的所有密封副本不再能打开 / destroyed ${destroyed} key(s) of subject ${subject}: no sealed copy of that person's ID number can be opened any more`
        : `该人员没有有效密钥（从未登记或已销毁）/ subject ${subject} has no live key (never recorded, or destroyed before)`,
    );
  } finally {
    await vault.close();
  }
}

/**
 * `hub personal-data move-keys`: an embedded hub going to server mode. Its data subjects' keys
 * (vault.db) go into PostgreSQL in one transaction, then vault.db is overwritten and removed:
 * a key destroyed later through PostgreSQL must not survive in a file. Run once, with the
 * hub stopped; running it again finds nothing to move.
 */
async function moveKeysCommand(config: HubConfig, flags: Flags, out: Out): Promise<void> {
  if (Object.keys(flags).length > 0) throw usage('move-keys 不带参数', 'move-keys takes no flags');
  if (!config.DATABASE_URL)
    throw usage(
      'move-keys 需要 DATABASE_URL（密钥迁入的 PostgreSQL）',
      'move-keys needs DATABASE_URL (the PostgreSQL the keys move into)',
    );
  const file = vaultFileOf(config);
  if (!existsSync(file)) {
    out(`${file} 不存在，无可迁移 / ${file} does not exist: nothing to move`);
    return;
  }
  const moved = await cliAudited(config, 'personal_data.move_keys', {}, async (note) => {
    const result = await moveSubjectKeys(config);
    note({ subject: { count: result?.moved ?? 0 } });
    return result ?? { moved: 0, alreadyHere: 0 };
  });
  out(
    `已将 ${moved.moved} 个个人信息密钥迁入 PostgreSQL（${moved.alreadyHere} 个此前已迁入），vault.db 已覆盖并删除 / moved ${moved.moved} data subject key(s) into PostgreSQL (${moved.alreadyHere} were there already); vault.db overwritten and removed`,
  );
}

/**
 * `hub personal-data rewrap`: after a rotation of HUB_PII_KEY, every live data subject key and
 * the match-key secrets are wrapped under the new master key, so the old one can be retired.
 * Safe while hubs run (a key destroyed meanwhile stays destroyed) and to run again. Says which
 * previous master keys still open something, and why, and which can be removed.
 */
async function rewrapCommand(config: HubConfig, flags: Flags, out: Out): Promise<void> {
  if (Object.keys(flags).length > 0) throw usage('rewrap 不带参数', 'rewrap takes no flags');
  const previous = vaultKeys(config).previous.map((k) => k.id);
  const vault = await openVault(config);
  const readModels = openReadModels(config);
  try {
    // On the audit record: counts and master key ids only, never key material.
    const verdict = await cliAudited(config, 'personal_data.rewrap', {}, async (note) => {
      const v = await rewrapAndJudge(vault, readModels, previous);
      note({
        subject: {
          count: v.report.rewrapped,
          args: {
            current: v.report.current,
            changedMeanwhile: v.report.changedMeanwhile,
            stillNeeded: v.stillNeeded.map((n) => n.keyId).join(','),
            removable: v.removable.join(','),
          },
        },
      });
      return v;
    });
    for (const line of verdictLines(verdict)) out(line);
  } finally {
    await readModels.close();
    await vault.close();
  }
}
