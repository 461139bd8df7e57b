import { readFileSync, writeFileSync } from 'node:fs';
import {
  ChainNotary,
  verifyAgencySignatures,
  verifyChain,
  type ChainCheckpoint,
} from '@hub/evidence';
import type { HubConfig } from '../config.js';
import { verifyAuditChain, type AuditProblem } from '@hub/audit';
import {
  chainAlgOf,
  openAuditLog,
  openCheckpoints,
  openHubSigningKey,
  openStores,
} from '../compose.js';
import { cliAudited, type Note } from './cli-audit.js';
import { UsageError, type Out } from './usage.js';

type Flags = Record<string, string | true>;

const USAGE =
  'usage: hub verify [--checkpoint <file>[,<file>…]] [--public-key <pem file>] | hub verify checkpoint [--out <file>]';

function readCheckpoint(file: string): ChainCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`无法读取检查点文件 ${file} / cannot read the checkpoint file ${file}`);
  }
  try {
    return JSON.parse(text) as ChainCheckpoint;
  } catch {
    throw new UsageError(`${file} 不是检查点文件（JSON）/ ${file} is not a checkpoint file (JSON)`);
  }
}

const describe = (p: {
  position: bigint;
  stream?: string;
  eventId?: string;
  kind: string;
  detail: string;
}) =>
  `  位置 position ${p.position}${p.stream ? `, 流 stream ${p.stream}` : ''}${p.eventId ? `, 事件 event ${p.eventId}` : ''} [${p.kind}]: ${p.detail}`;

const describeAudit = (p: AuditProblem) =>
  `  审计记录 audit record ${p.seq}${p.id ? ` (${p.id})` : ''} [${p.kind}]: ${p.detail}`;

/**
 * `hub verify`: checks the whole history offline — every link of the hash chain, the hub's
 * signed checkpoints and any checkpoint files agencies kept — and names the first record that
 * does not match; then the audit trail's own chain. Exit code 1 when anything does not. Each
 * use is on the audit record.
 */
export async function verifyCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
): Promise<void> {
  if (args.length > 0 && args[0] !== 'checkpoint') throw new UsageError(USAGE);
  const action = args[0] === 'checkpoint' ? 'evidence.checkpoint' : 'evidence.verify';
  const given =
    typeof flags.checkpoint === 'string' ? { args: { checkpoints: flags.checkpoint } } : {};
  return cliAudited(config, action, { subject: given }, (note) =>
    verifyOrSign(config, args, flags, out, note),
  );
}

async function verifyOrSign(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
  note: Note,
): Promise<void> {
  const key = openHubSigningKey(config);
  const checkpoints = openCheckpoints(config);
  const stores = await openStores(config);
  try {
    if (args[0] === 'checkpoint') {
      const notary = new ChainNotary({
        store: stores.store,
        checkpoints,
        key,
        derivedAlg: chainAlgOf(config),
      });
      const signed = (await notary.catchUpAndSign()) ?? (await checkpoints.latest());
      if (!signed)
        throw new UsageError('事件库为空，无可签署的检查点 / the store is empty: nothing to sign');
      const text = `${JSON.stringify(signed, null, 2)}\n`;
      if (typeof flags.out === 'string') {
        writeFileSync(flags.out, text);
        out(
          `检查点已写入 ${flags.out}：${signed.count} 条记录，至位置 ${signed.position} / checkpoint written to ${flags.out}: ${signed.count} records to position ${signed.position}`,
        );
      } else process.stdout.write(text);
      note({ subject: { args: { position: signed.position, count: signed.count } } });
      return;
    }
    if (args.length > 0) throw new UsageError(USAGE);
    const files =
      typeof flags.checkpoint === 'string' ? flags.checkpoint.split(',').filter(Boolean) : [];
    const trusted =
      typeof flags['public-key'] === 'string'
        ? readFileSync(flags['public-key'], 'utf8')
        : key.publicKeyPem;
    const given = files.map(readCheckpoint);
    const stored = await checkpoints.list();
    const report = await verifyChain(stores.store, {
      checkpoints: [...stored, ...given],
      trustedPublicKeyPem: trusted,
      derivedAlg: chainAlgOf(config),
    });
    out(`核验记录 records checked: ${report.records}`);
    if (report.unchained > 0)
      out(
        `  其中 ${report.unchained} 条记录早于事件链，未受其保护 / ${report.unchained} records predate the chain and are not covered by it`,
      );
    out(
      `检查点 checkpoints matched: ${report.checkpointsMatched} of ${stored.length + given.length}`,
    );
    if (report.head) out(`链头 head: position ${report.head.position} ${report.head.link}`);
    const signatures = await verifyAgencySignatures(stores.store);
    out(
      `部门签名 agency signatures: ${signatures.batches} 个批次 batches, ${signatures.signedEvents} 条已签名记录 signed records`,
    );
    const problems = [...report.problems, ...signatures.problems];
    if (problems.length + report.moreProblems === 0) {
      out(
        '结果：历史完整，签名有效，未发现改动 / result: the history is intact and every signature holds',
      );
    } else {
      out(
        `结果：发现 ${problems.length + report.moreProblems} 处不符 / result: ${problems.length + report.moreProblems} problem(s)`,
      );
      for (const problem of problems) out(describe(problem));
      if (report.moreProblems > 0) out(`  … and ${report.moreProblems} more`);
    }
    const audit = await verifyAuditTrail(config, out);
    const count = problems.length + report.moreProblems + audit;
    note({
      subject: { count: report.records },
      result: count ? { outcome: 'ok', code: 'MISMATCH' } : { outcome: 'ok', code: 'INTACT' },
    });
    if (count > 0) process.exitCode = 1;
  } finally {
    await checkpoints.close();
    await stores.close();
  }
}

/** The audit trail's own chain, and the purges it went through; how many problems it has. */
async function verifyAuditTrail(config: HubConfig, out: Out): Promise<number> {
  const log = openAuditLog(config);
  try {
    const report = await verifyAuditChain(log);
    out(
      `审计记录 audit records checked: ${report.records}${report.anchors ? `（此前清除 ${report.purged} 条，锚点 ${report.anchors} 个 / ${report.purged} purged before, ${report.anchors} anchors）` : ''}`,
    );
    if (report.problems.length === 0) {
      out('审计结果：审计记录完整 / audit result: the audit trail is intact');
      return 0;
    }
    const count = report.problems.length + report.moreProblems;
    out(`审计结果：发现 ${count} 处不符 / audit result: ${count} audit record(s) do not match`);
    for (const problem of report.problems) out(describeAudit(problem));
    if (report.moreProblems > 0) out(`  … and ${report.moreProblems} more`);
    return count;
  } finally {
    await log.close();
  }
}
