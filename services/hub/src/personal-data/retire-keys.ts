import { PersonalDataVault, type RewrapReport } from '@hub/personal-data';
import type { ReadModelStore } from '@hub/read-models';

/** Why a master key is still needed after a rewrap, and how many values need it. */
export interface StillNeeded {
  keyId: string;
  /** Live subject keys wrapped under it after the run. */
  subjectKeys: number;
  /** Whether it was configured for the run: if so, its keys were made meanwhile, by a process still using it. */
  configured: boolean;
  /** Registry records holding an ID number sealed directly under it (`seal`, before sealing at ingestion). */
  registryRecords: number;
}

export interface RetireVerdict {
  report: RewrapReport;
  stillNeeded: StillNeeded[];
  /** Configured previous keys nothing needs any more: they can be removed. */
  removable: string[];
}

/**
 * The vault-wide sealed values read models hold, by the master key they are sealed under.
 * Only the registry keeps them (`holderSealed` of an event recorded with its ID number in
 * clear, sealed when projected): events hold sealed references, under subject keys.
 */
export async function vaultSealedInReadModels(
  readModels: ReadModelStore,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const page = await readModels.pageDocuments('certificate-registry', { after, limit: 2000 });
    if (page.length === 0) break;
    after = page[page.length - 1]!.key;
    for (const { value } of page) {
      const sealed = (value as { holderSealed?: unknown }).holderSealed;
      const keyId = typeof sealed === 'string' ? PersonalDataVault.sealedUnder(sealed) : undefined;
      if (keyId) counts.set(keyId, (counts.get(keyId) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Re-wraps the subject keys and the match-key secrets under the current master key, then
 * says which previous master keys still open something (and why) and which can go.
 */
export async function rewrapAndJudge(
  vault: PersonalDataVault,
  readModels: ReadModelStore,
  previous: readonly string[],
): Promise<RetireVerdict> {
  const report = await vault.rewrap();
  const sealed = await vaultSealedInReadModels(readModels);
  const ids = new Set([...Object.keys(report.remaining), ...sealed.keys()]);
  ids.delete(report.current);
  const stillNeeded = [...ids].sort().map((keyId) => ({
    keyId,
    subjectKeys: report.remaining[keyId] ?? 0,
    registryRecords: sealed.get(keyId) ?? 0,
    configured: previous.includes(keyId),
  }));
  const removable = previous.filter((id) => id !== report.current && !ids.has(id));
  return { report, stillNeeded, removable };
}

/** The verdict as the command prints it, Chinese first. */
export function verdictLines(v: RetireVerdict): string[] {
  const { report } = v;
  const lines = [
    `已将 ${report.rewrapped} 个个人信息密钥改用主密钥 ${report.current} 封装（${report.changedMeanwhile} 个在此期间被销毁或已改封，未动）；匹配键密钥已改用 ${report.current} 封装 / re-wrapped ${report.rewrapped} data subject key(s) under master key ${report.current} (${report.changedMeanwhile} changed meanwhile — destroyed or re-wrapped elsewhere — and were left as they were); the match-key secrets are kept wrapped under ${report.current}`,
  ];
  for (const n of v.stillNeeded) {
    const zh: string[] = [];
    const en: string[] = [];
    if (n.subjectKeys > 0 && n.configured) {
      zh.push(
        `${n.subjectKeys} 个个人信息密钥在本次运行期间以其封装（仍有进程以它为 HUB_PII_KEY：请用新密钥重启所有进程后再运行）`,
      );
      en.push(
        `${n.subjectKeys} data subject key(s) were wrapped under it during this run (a process still has it as HUB_PII_KEY: restart every process with the new key and run again)`,
      );
    } else if (n.subjectKeys > 0) {
      zh.push(
        `${n.subjectKeys} 个个人信息密钥仍以其封装（本次未配置该主密钥：请将其放入 HUB_PII_PREVIOUS_KEYS 后再运行）`,
      );
      en.push(
        `${n.subjectKeys} data subject key(s) are still wrapped under it (it was not configured for this run: put it in HUB_PII_PREVIOUS_KEYS and run again)`,
      );
    }
    if (n.registryRecords > 0) {
      zh.push(
        `读模型中 ${n.registryRecords} 条证书登记记录的身份证号直接以其加密（入库加密之前记录的事件；运行 npm run hub -- projections rebuild certificate-registry 后再运行本命令）`,
      );
      en.push(
        `${n.registryRecords} certificate registry record(s) in the read models hold an ID number sealed directly under it (events recorded before sealing at ingestion; run npm run hub -- projections rebuild certificate-registry, then this command again)`,
      );
    }
    lines.push(
      `仍需要主密钥 ${n.keyId}：${zh.join('；')} / master key ${n.keyId} is still needed: ${en.join('; ')}`,
    );
  }
  for (const id of v.removable)
    lines.push(
      `主密钥 ${id} 已不再需要：可从 HUB_PII_PREVIOUS_KEYS 中移除并重启 / master key ${id} is no longer needed: it can be removed from HUB_PII_PREVIOUS_KEYS (then restart)`,
    );
  if (v.stillNeeded.length === 0 && v.removable.length === 0)
    lines.push(
      `所有数据只需当前主密钥 ${report.current} / everything needs only the current master key ${report.current}`,
    );
  return lines;
}
