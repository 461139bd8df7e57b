import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { inTransaction, openPool } from '@hub/postgres-schema';
import { MoveRefusedError } from './errors.js';

/**
 * A table of hub state (never rebuilt) as the embedded hub keeps it in its data directory, and
 * the table of the PostgreSQL adapter that keeps it in server mode. The adapters create the
 * same columns under these names; a column missing on either side refuses the move, so a
 * schema that drifts is caught, not half copied.
 */
export interface StateTable {
  file: string;
  from: string;
  to: string;
  key: readonly string[];
  /** Chained in this order (the audit log): the target must hold a beginning of the source. */
  chainedBy?: { column: string; hash: string };
  zh: string;
  en: string;
}

export const STATE_TABLES: readonly StateTable[] = [
  {
    file: 'hub.db',
    from: 'credentials',
    to: 'hub_credentials',
    key: ['token_id'],
    zh: '部门凭证',
    en: 'agency credentials',
  },
  { file: 'hub.db', from: 'users', to: 'hub_users', key: ['id'], zh: '用户', en: 'users' },
  {
    file: 'hub.db',
    from: 'console_accounts',
    to: 'hub_console_accounts',
    key: ['user_id'],
    zh: '控制台账户',
    en: 'console accounts',
  },
  {
    file: 'hub.db',
    from: 'console_links',
    to: 'hub_console_links',
    key: ['hash'],
    zh: '控制台登录链接',
    en: 'console sign-in links',
  },
  {
    file: 'hub.db',
    from: 'console_sessions',
    to: 'hub_console_sessions',
    key: ['hash'],
    zh: '控制台会话',
    en: 'console sessions',
  },
  {
    file: 'evidence.db',
    from: 'chain_checkpoints',
    to: 'hub_chain_checkpoints',
    key: ['position', 'signed_at'],
    zh: '已签名检查点',
    en: 'signed checkpoints',
  },
  {
    file: 'audit.db',
    from: 'audit_log',
    to: 'audit_log',
    key: ['seq'],
    chainedBy: { column: 'seq', hash: 'hash' },
    zh: '审计记录',
    en: 'audit records',
  },
  {
    file: 'hub.db',
    from: 'checkpoints',
    to: 'hub_bridge_checkpoints',
    key: ['name'],
    zh: 'Kafka 桥的位置',
    en: 'Kafka bridge positions',
  },
  {
    file: 'audit.db',
    from: 'audit_anchors',
    to: 'audit_anchors',
    key: ['through_seq'],
    zh: '审计清理锚点',
    en: 'audit purge anchors',
  },
];

export interface TableMoved {
  table: StateTable;
  copied: number;
  alreadyThere: number;
}

type Row = Record<string, unknown>;

/** A value as text, so SQLite's numbers and PostgreSQL's BIGINT strings compare alike. */
const text = (value: unknown): string | null =>
  value == null
    ? null
    : typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint'
        ? value.toString()
        : JSON.stringify(value);

const sameRow = (a: Row, b: Row, columns: readonly string[]) =>
  columns.every((c) => text(a[c]) === text(b[c]));

function sourceRows(dataDir: string, table: StateTable): { columns: string[]; rows: Row[] } {
  const file = join(dataDir, table.file);
  if (!existsSync(file)) return { columns: [], rows: [] };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const columns = db
      .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
      .all(table.from)
      .map((c) => c.name);
    if (columns.length === 0) return { columns, rows: [] };
    const order = (table.chainedBy ? [table.chainedBy.column] : table.key).join(', ');
    return {
      columns,
      rows: db.prepare<[], Row>(`SELECT * FROM ${table.from} ORDER BY ${order}`).all(),
    };
  } finally {
    db.close();
  }
}

/**
 * Copies one table inside the caller's transaction. Rows already there must be the same: a
 * move interrupted and run again finds its own rows; a row that differs (the hub in server
 * mode changed it since, or it is another hub's) refuses the whole move.
 */
async function moveTable(
  client: pg.PoolClient,
  dataDir: string,
  table: StateTable,
): Promise<TableMoved> {
  const { columns, rows } = sourceRows(dataDir, table);
  if (rows.length === 0) return { table, copied: 0, alreadyThere: 0 };
  const target = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table.to],
  );
  const targetColumns = new Set(target.rows.map((r) => r.column_name));
  const missing = columns.filter((c) => !targetColumns.has(c));
  if (missing.length > 0)
    throw new MoveRefusedError(
      `PostgreSQL 的 ${table.to} 表缺少列 ${missing.join('、')}（版本不一致），未写入任何内容`,
      `PostgreSQL's ${table.to} lacks column(s) ${missing.join(', ')} (versions differ); nothing was written`,
    );
  let start = 0;
  if (table.chainedBy) start = await chainedStart(client, table, rows);
  const list = columns.join(', ');
  const keys = table.key.join(', ');
  let copied = 0;
  const differing: Row[] = [];
  const PAGE = 500;
  for (let at = start; at < rows.length; at += PAGE) {
    const page = rows.slice(at, at + PAGE);
    const values = page
      .map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
      .join(', ');
    const inserted = await client.query<Row>(
      `INSERT INTO ${table.to} (${list}) VALUES ${values} ON CONFLICT DO NOTHING RETURNING ${keys}`,
      page.flatMap((row) => columns.map((c) => row[c] ?? null)),
    );
    copied += inserted.rowCount ?? 0;
    if ((inserted.rowCount ?? 0) === page.length) continue;
    const fresh = new Set(
      inserted.rows.map((r) => table.key.map((k) => text(r[k])).join('\u0000')),
    );
    for (const row of page) {
      if (fresh.has(table.key.map((k) => text(row[k])).join('\u0000'))) continue;
      const held = await client.query<Row>(
        `SELECT ${list} FROM ${table.to} WHERE ${table.key.map((k, i) => `${k}::text = $${i + 1}`).join(' AND ')}`,
        table.key.map((k) => text(row[k])),
      );
      if (!held.rows[0] || !sameRow(row, held.rows[0], columns)) differing.push(row);
    }
  }
  if (differing.length > 0)
    throw new MoveRefusedError(
      `PostgreSQL 已有 ${differing.length} 条与本数据目录不同的${table.zh}（服务器模式可能已修改，或属于另一平台），未写入任何状态`,
      `PostgreSQL already holds ${differing.length} ${table.en} that differ from this data directory's (server mode may have changed them, or they are another hub's); no state was written`,
    );
  return { table, copied, alreadyThere: rows.length - copied };
}

/**
 * Where a chained table's copy goes on: the target must hold exactly the source's first rows
 * (its last hash is the source's at that place, and a hash covers all before it).
 */
async function chainedStart(
  client: pg.PoolClient,
  table: StateTable,
  rows: Row[],
): Promise<number> {
  const { column, hash } = table.chainedBy!;
  const last = await client.query<Row>(
    `SELECT ${column}, ${hash} FROM ${table.to} ORDER BY ${column} DESC LIMIT 1`,
  );
  const held = last.rows[0];
  if (!held) return 0;
  const at = rows.findIndex((r) => text(r[column]) === text(held[column]));
  if (at >= 0 && rows[at]![hash] === held[hash]) return at + 1;
  throw new MoveRefusedError(
    `PostgreSQL 的${table.zh}已有不属于本数据目录的记录（迁移已完成且服务器模式已写入，或属于另一平台），未写入任何状态`,
    `PostgreSQL's ${table.en} already hold records that are not this data directory's (the move is done and server mode has written since, or they are another hub's); no state was written`,
  );
}

/** Copies every state table in one transaction: all of the hub state moves, or none of it. */
export async function moveState(connectionString: string, dataDir: string): Promise<TableMoved[]> {
  const pool = openPool({ connectionString, max: 1 });
  try {
    return await inTransaction(pool, async (client) => {
      const moved: TableMoved[] = [];
      for (const table of STATE_TABLES) moved.push(await moveTable(client, dataDir, table));
      return moved;
    });
  } finally {
    await pool.end();
  }
}
