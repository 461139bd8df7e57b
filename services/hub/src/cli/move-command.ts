import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteAuditLog, PostgresAuditLog } from '@hub/audit';
import { PostgresConsoleStore } from '@hub/console';
import type { ChainAlg } from '@hub/event-store';
import { PostgresEventStore } from '@hub/event-store-postgres';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { PostgresChainCheckpointStore } from '@hub/evidence';
import { PostgresUserStore } from '@hub/graphql';
import { PostgresCheckpointStore } from '@hub/kafka-bridge';
import { PostgresCredentialStore } from '@hub/ingestion';
import type { HubConfig } from '../config.js';
import { chainAlgOf } from '../compose.js';
import { lockDataDir } from '../data-dir-lock.js';
import { moveHistory, planHistory } from '../server-move/move-history.js';
import { moveState } from '../server-move/move-state.js';
import { requireSameKeys } from '../server-move/same-keys.js';
import { moveScreenings } from '../server-move/move-screenings.js';
import { moveSubjectKeys } from '../server-move/move-subject-keys.js';
import { cliAudited } from './cli-audit.js';
import { usage, type Out } from './usage.js';

/**
 * The PostgreSQL adapters create their tables when they open: each is opened and read once, so
 * the state tables exist before rows are copied into them.
 */
async function openStateSchemas(connectionString: string, alg: ChainAlg) {
  const credentials = new PostgresCredentialStore({ connectionString });
  const users = new PostgresUserStore({ connectionString });
  const consoleStore = new PostgresConsoleStore({ connectionString });
  const checkpoints = new PostgresChainCheckpointStore({ connectionString });
  const audit = new PostgresAuditLog({ connectionString, alg });
  const bridge = new PostgresCheckpointStore({ connectionString });
  try {
    await credentials.list();
    await users.list();
    await consoleStore.account('');
    await checkpoints.list();
    await audit.anchors();
    await bridge.load('');
  } finally {
    await Promise.all([
      credentials.close(),
      users.close(),
      consoleStore.close(),
      checkpoints.close(),
      audit.close(),
      bridge.close(),
    ]);
  }
}

/**
 * `hub migrate to-postgres`: moves an embedded hub (its data directory) into server mode, with
 * the embedded hub stopped. The history is copied record for record (positions, recorded times,
 * JSON text, links), each link checked as it goes, so `hub verify` and every checkpoint signed
 * before still hold; hub state (credentials, users and console sign-in, signed checkpoints, the
 * audit trail, the Kafka bridge's position) is copied in one transaction, finished screenings
 * with their results each in one, and the data subjects' keys last (vault.db is then removed).
 * Run again after an interruption, it goes on where it stopped; it refuses a database that
 * holds anything else. Read models are not copied: the projector rebuilds them from the history.
 */
export async function moveToPostgresCommand(config: HubConfig, out: Out): Promise<void> {
  if (config.EVENT_STORE !== 'postgres' || !config.DATABASE_URL)
    throw usage(
      '请按服务器模式配置后运行：EVENT_STORE=postgres、DATABASE_URL 及三个共享密钥（HUB_DATA_DIR 指向要迁移的数据目录）',
      'run it configured as server mode: EVENT_STORE=postgres, DATABASE_URL and the three shared keys (HUB_DATA_DIR: the data directory to move)',
    );
  const url = config.DATABASE_URL;
  const events = join(config.dataDir, 'events.db');
  if (!existsSync(events))
    throw usage(
      `${events} 不存在：HUB_DATA_DIR 应为内嵌平台的数据目录`,
      `${events} does not exist: HUB_DATA_DIR must be the embedded hub's data directory`,
    );
  // Refused moves are recorded where the hub still lives (its audit.db); a move that is done,
  // in PostgreSQL after the records it copied.
  const logFor = (result: { outcome: string }) =>
    result.outcome === 'ok'
      ? new PostgresAuditLog({ connectionString: url, alg: chainAlgOf(config) })
      : new SqliteAuditLog(join(config.dataDir, 'audit.db'), { alg: chainAlgOf(config) });
  await cliAudited(
    config,
    'evidence.move',
    {},
    async (note) => {
      // The embedded hub must not run meanwhile: what it wrote after the copy would be lost.
      const lock = lockDataDir(config.dataDir, 'hub');
      let source: SqliteEventStore | undefined;
      let target: PostgresEventStore | undefined;
      try {
        requireSameKeys(config);
        source = new SqliteEventStore({ filename: events, chain: chainAlgOf(config) });
        target = new PostgresEventStore({ connectionString: url, chain: chainAlgOf(config) });
        const plan = await planHistory(source, target);
        await openStateSchemas(url, chainAlgOf(config));
        const tables = await moveState(url, config.dataDir);
        for (const { table, copied, alreadyThere } of tables)
          if (copied + alreadyThere > 0)
            out(
              `${table.zh} ${table.en}: 复制 copied ${copied}${alreadyThere ? `，已有 already there ${alreadyThere}` : ''}`,
            );
        let lastShown = Date.now();
        const copied = await moveHistory(source, target, plan, (at, through) => {
          if (Date.now() - lastShown < 2000) return;
          lastShown = Date.now();
          out(`事件 events: ${at} / ${through}`);
        });
        out(
          `事件 events: 复制 copied ${copied}${plan.from > 0n ? `，已有 already there ${plan.from}` : ''}，至位置 through position ${plan.through}，每条的链接均已核对 / every link checked`,
        );
        const screenings = await moveScreenings(url, config.dataDir);
        out(
          `比对 screenings: 复制 copied ${screenings.moved}${screenings.alreadyThere ? `，已有 already there ${screenings.alreadyThere}` : ''}${screenings.running ? `；${screenings.running} 项仍标为进行中，未迁移（平台停止时中断），请重新提交 / ${screenings.running} still marked running (cut off when the hub stopped) not moved: submit them again` : ''}`,
        );
        // Last: it removes vault.db, and what sealed the history must be safe first.
        const keys = await moveSubjectKeys(config);
        out(
          keys
            ? `个人信息密钥 data subject keys: 复制 copied ${keys.moved}${keys.alreadyHere ? `，已有 already there ${keys.alreadyHere}` : ''}；vault.db 已覆盖并删除 / vault.db overwritten and removed`
            : '个人信息密钥 data subject keys: 无 vault.db（已迁移或从未有过） / no vault.db (moved before, or never made)',
        );
        out(
          '读模型不复制，投影进程启动后从历史重建 / read models are not copied: the projector rebuilds them from the history',
        );
        out('下一步 next: npm run hub -- verify   （在服务器模式下核验 / verify in server mode）');
        note({ subject: { count: copied, args: { through: String(plan.through) } } });
      } finally {
        await target?.close();
        await source?.close();
        lock.release();
      }
    },
    logFor,
  );
}
