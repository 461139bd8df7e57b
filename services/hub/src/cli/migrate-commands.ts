import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventDefinition,
  holdsIdNumberInClear,
  maskIdNumbersIn,
  sealPersonalDataIn,
  upcast,
  type PersonalDataSealer,
} from '@hub/domain';
import type { AppendRequest, NewEvent, RecordedEvent } from '@hub/event-store';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import type { HubConfig } from '../config.js';
import { chainAlgOf, hubProjections, openReadModels, openVault } from '../compose.js';
import { lockDataDir } from '../data-dir-lock.js';
import { cliAudited, type Note } from './cli-audit.js';
import { moveToPostgresCommand } from './move-command.js';
import { usage, type Out } from './usage.js';

const USAGE = 'hub migrate evidence | hub migrate to-postgres';

/** What the migration does to one stored event. */
interface Migrated {
  event: NewEvent & { stream: string };
  sealed: boolean;
  masked: boolean;
}

/**
 * One event of a store made before personal data was sealed at ingestion, as the hub would
 * record it today: ID numbers sealed, a certificate stream named by its registry key where its
 * number holds one, and an ID number left in free text masked (it cannot be refused any more).
 */
function migrate(e: RecordedEvent, sealer: PersonalDataSealer): Migrated {
  const sealed = sealPersonalDataIn(e.data, sealer);
  let data = sealed.data;
  let masked = false;
  if (sealed.problems.length > 0 || holdsIdNumberInClear(data)) {
    data = JSON.parse(maskIdNumbersIn(JSON.stringify(data))) as unknown;
    masked = true;
  }
  const definition = eventDefinition(e.type);
  const version = (e.metadata as { schemaVersion?: number }).schemaVersion ?? 1;
  const stream = definition ? definition.stream(upcast(e.type, version, data)) : e.streamName;
  const metadata = holdsIdNumberInClear(e.metadata)
    ? (JSON.parse(maskIdNumbersIn(JSON.stringify(e.metadata))) as Record<string, unknown>)
    : e.metadata;
  return {
    event: { id: e.id, type: e.type, data, metadata, stream },
    sealed: JSON.stringify(data) !== JSON.stringify(e.data),
    masked,
  };
}

/**
 * `hub migrate evidence`: brings a store made before issue 15 up to it, offline. Every event is
 * written again, in its order and with its recorded time, into a new store that seals its ID
 * numbers and chains every record from the first; the old file is kept beside it for the
 * operator to check and then destroy (it holds ID numbers in clear). Read models are reset, so
 * the hub rebuilds them from the migrated history at its next start.
 */
export async function migrateCommand(config: HubConfig, args: string[], out: Out): Promise<void> {
  if (args.length === 1 && args[0] === 'to-postgres') return moveToPostgresCommand(config, out);
  if (args.length !== 1 || args[0] !== 'evidence') throw usage(`用法：${USAGE}`, `usage: ${USAGE}`);
  if (config.EVENT_STORE !== 'embedded')
    throw usage(
      '仅内嵌事件库可就地迁移；KurrentDB 请导出后重新发布',
      'only the embedded store migrates in place; republish a KurrentDB history into a new store',
    );
  await cliAudited(config, 'evidence.migrate', {}, (note) => migrateEvidence(config, out, note));
}

async function migrateEvidence(config: HubConfig, out: Out, note: Note): Promise<void> {
  const lock = lockDataDir(config.dataDir, 'hub');
  const vault = await openVault(config);
  const source = join(config.dataDir, 'events.db');
  const target = join(config.dataDir, 'events.migrating.db');
  try {
    if (!existsSync(source)) throw usage(`${source} 不存在`, `${source} does not exist`);
    rmSync(target, { force: true });
    const from = new SqliteEventStore({ filename: source, chain: false });
    let recordedAt = '';
    const to = new SqliteEventStore({
      filename: target,
      chain: chainAlgOf(config),
      now: () => new Date(recordedAt),
    });
    const counts = { events: 0, sealed: 0, masked: 0, moved: 0 };
    let after: bigint | undefined;
    try {
      for (;;) {
        const page = await from.readAll({
          ...(after === undefined ? {} : { after }),
          maxCount: 5000,
        });
        // Events recorded together stay together: one append per run of the same recorded time.
        let run: Migrated[] = [];
        const flush = async () => {
          if (run.length === 0) return;
          const requests: AppendRequest[] = [];
          for (const m of run) {
            const last = requests[requests.length - 1];
            if (last?.stream === m.event.stream) (last.events as NewEvent[]).push(m.event);
            else
              requests.push({ stream: m.event.stream, events: [m.event], expectedRevision: 'any' });
          }
          await to.appendMany(await vault.commitKeys(requests));
          run = [];
        };
        for (const e of page) {
          if (e.recordedAt !== recordedAt) await flush();
          recordedAt = e.recordedAt;
          const m = migrate(e, vault);
          run.push(m);
          counts.events += 1;
          // The new store numbers records 1, 2, 3 …; an old one may have gaps.
          if (e.position !== BigInt(counts.events)) counts.moved += 1;
          if (m.sealed) counts.sealed += 1;
          if (m.masked) counts.masked += 1;
        }
        await flush();
        if (page.length < 5000) break;
        after = page[page.length - 1]!.position;
        out(`迁移中 migrating: ${counts.events} events`);
      }
    } finally {
      await from.close();
      await to.close();
    }
    note({ subject: { count: counts.events } });
    const kept = join(
      config.dataDir,
      `events.before-migration-${new Date().toISOString().replace(/[:.]/g, '')}.db`,
    );
    for (const suffix of ['-wal', '-shm']) rmSync(`${source}${suffix}`, { force: true });
    renameSync(source, kept);
    renameSync(target, source);
    const readModels = openReadModels(config);
    try {
      for (const p of hubProjections(vault)) await readModels.reset(p.name);
    } finally {
      await readModels.close();
    }
    out(
      `已迁移 ${counts.events} 条事件：${counts.sealed} 条的身份证号已加密，${counts.masked} 条自由文本中的身份证号已遮蔽；全部记录已入链 / migrated ${counts.events} events: ${counts.sealed} had ID numbers sealed, ${counts.masked} had ID numbers in free text masked; every record is chained`,
    );
    out(
      `原文件保留为 ${kept}：其中含明文身份证号，核对无误后请安全销毁（如 shred -u）/ the old file is kept as ${kept}: it holds ID numbers in clear; destroy it securely (e.g. shred -u) once checked`,
    );
    out('读模型将在下次启动时重建 / read models are rebuilt at the next start');
    if (counts.moved > 0)
      out(
        `注意：${counts.moved} 条记录的位置已变（原库有空缺），Kafka 转发将从其检查点重发，收件方按 hub-event-id 去重 / note: ${counts.moved} records changed position (the old store had gaps): Kafka egress resumes from its checkpoint and may resend; inboxes drop duplicates by hub-event-id`,
      );
  } finally {
    await vault.close();
    lock.release();
  }
}
