#!/usr/bin/env node
import './production-env.js';
import { parseArgs } from './cli/args.js';
import {
  bridgeCommand,
  demoCommand,
  connectSchemasCommand,
  graphqlSchemaCommand,
  schemasCommand,
  userCommand,
  startCommand,
  tokenCommand,
} from './cli/commands.js';
import { describeFailure } from './cli/failure.js';
import { flagValue, onlyFlags, usage } from './cli/usage.js';
import { HUB_ROLES, isHubRole } from './roles/role.js';
import {
  ledgerCommand,
  projectionsCommand,
  reportCommand,
  worklistCommand,
} from './cli/reporting-commands.js';
import { certificatesCommand } from './cli/certificates-commands.js';
import { importCommand } from './cli/import-commands.js';
import { verifyCommand } from './cli/evidence-commands.js';
import { agencyKeyCommand } from './cli/agency-key-commands.js';
import { personalDataCommand } from './cli/personal-data-commands.js';
import { migrateCommand } from './cli/migrate-commands.js';
import { auditCommand } from './cli/audit-commands.js';
import { loadConfig } from './config.js';

const HELP = `hub — 特种作业证件涉假联合治理数据共享平台 / inter-agency data-sharing hub against counterfeit special-operations certificates

用法 usage: hub [命令 command]
  start [--role all|api|projector|bridge]
                                      运行一体化平台（默认 all），或服务器模式下的单一角色
                                      / run the all-in-one hub (default), or one role in server mode
  bridge                              只运行 Kafka 桥（需 KAFKA_BROKERS） / run only the Kafka bridge
  token create --agency <code> --units <codes> [--label text]
                                      为这些行政区划代码新建部门凭证（000000：全国），末行为令牌
                                      / new agency credential for these division codes; the token is the last line
  token revoke <tokenId>              吊销凭证 / revoke a credential
  token list                          列出凭证（从不显示令牌） / list credentials (never the tokens)
  demo                                载入演示数据（可重复执行） / load the demo campaign (idempotent)
  report <form> --unit <code> [--period YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD]
         [--as-of instant] [--format csv|xlsx|json] [--out file] [--filled-by name] [--contact phone]
                                      官方统计表（shanghai-2024、guangdong-2018、jiangjin-2023），按单位和期间汇总
                                      / an official form for a unit and period, rolled up below it
  ledger [--unit <code>] [--due | --penalty] [--as-of instant]
                                      线索移送台账、待办环节（现在或截至某时刻）、以罚代刑检查
                                      / the clue ledger, the steps due (now or as of an instant), 以罚代刑
  worklist [--unit <code>] [--as-of instant]
                                      检察机关待办清单 / the procurator's worklist
  certificates import --agency <issuer> --file <export.csv|.xlsx> --unit <code> [--type <type>]
                                      导入发证部门已有证书（可重复执行） / an issuer's export, as events (idempotent)
  certificates screen --agency <code> --file <roster.csv|.xlsx> --unit <code> --purpose <text>
         [--case <id>] [--type <type>] [--out results.jsonl]
                                      名单比对（记录为事件） / screen a roster against the registry (recorded)
  certificates delete-screenings (--before YYYY-MM-DD | --id <SCR-…>[,<SCR-…>])
                                      目的已达成后删除已结束的比对及其逐行结果 / delete finished screenings and their results
  projections status                  读模型的位置和滞后 / read models: position and lag
  projections rebuild <name>          从第一个事件重建一个读模型 / rebuild one read model from the first event
  user create --role <analyst|procurator|agency_officer|court_clerk|auditor> --name <name>
       --units <codes> [--agency <code>] [--days 90]
                                      新建 GraphQL 用户，末行为令牌 / a GraphQL user; the token is the last line
  user list | user revoke <id>        GraphQL 用户 / GraphQL users
  verify [--checkpoint <file>[,<file>…]] [--public-key <pem>]
                                      核验全部历史：哈希链、平台签名检查点和各部门保存的检查点
                                      / check the whole history: chain, signed checkpoints, agencies' files
  verify checkpoint [--out <file>]    签出当前历史位置供各部门保存 / sign where the history stands
  agency-key register --agency <code> --public-key <pem> [--label text]
  agency-key revoke --agency <code> --key-id <id> --reason <rotated|compromised|retired>
  agency-key list [--agency <code>]   部门批次签名密钥 / agencies' keys that sign their batches
  personal-data forget --id-number <id> --reason <text>
                                      保存期满销毁个人密钥（密封副本不可再读，计数保留）
                                      / destroy a person's keys at the end of retention (crypto-shredding)
  personal-data move-keys             嵌入式平台转服务器模式：个人密钥迁入 PostgreSQL，vault.db 覆盖删除
                                      / embedded hub to server mode: subject keys into PostgreSQL
  migrate evidence                    将早期数据库迁移为密封并链接的数据库（离线；旧文件保留待销毁）
                                      / bring an older store up to sealing and the chain (offline)
  migrate to-postgres                 将内嵌平台（HUB_DATA_DIR）迁入服务器模式：历史逐条原样复制并核对链接，平台状态一并复制（内嵌平台须停止；可续传）
                                      / move an embedded hub into server mode: history copied as recorded, links checked, hub state too (embedded hub stopped; resumable)
  audit [--holder <ID number|->] [--from <date>] [--to <date>] [--action <code|family>]
        [--actor <id>] [--agency <code>] [--purpose <text>] [--outcome ok|refused|failed]
        [--limit 200] [--format table|jsonl]
                                      审计记录，最新在前，时间为北京时间（--holder -：从标准输入读取身份证号）
                                      / the audit trail, newest first, times in Asia/Shanghai
  audit purge --before <YYYY-MM-DD>   删除该日之前的审计记录，保存期（至少183天）内的不删
                                      / remove older audit records, never inside HUB_AUDIT_RETENTION_DAYS
  import events --agency <code> --file <file.xlsx|csv> --sheet <inspections|findings|fines|rectifications|clues>
                                      导入本单位台账表格（执法检查、查出问题、行政处罚、责令整改、移送线索），重复上传不重复记录
                                      / record an agency's spreadsheet; uploading it again records nothing twice
  schemas [check]                     写入（或检查）schemas/events、schemas/openapi、schemas/catalogue.json 与 schemas/graphql
                                      / write or check the schemas`;

/** Flags each command takes; any other is refused (see onlyFlags). */
const FLAGS: Record<string, readonly string[]> = {
  start: ['role'],
  bridge: [],
  token: ['agency', 'units', 'label'],
  demo: [],
  report: ['unit', 'period', 'from', 'to', 'as-of', 'format', 'out', 'filled-by', 'contact'],
  ledger: ['unit', 'due', 'penalty', 'as-of'],
  worklist: ['unit', 'as-of'],
  user: ['role', 'name', 'agency', 'units', 'days', 'login'],
  certificates: ['agency', 'file', 'unit', 'type', 'purpose', 'case', 'out', 'before', 'id'],
  import: ['agency', 'file', 'sheet'],
  projections: [],
  verify: ['checkpoint', 'public-key', 'out'],
  'agency-key': ['agency', 'public-key', 'label', 'key-id', 'reason'],
  'personal-data': ['id-number', 'subject', 'reason'],
  migrate: [],
  audit: [
    'holder',
    'from',
    'to',
    'action',
    'actor',
    'agency',
    'purpose',
    'outcome',
    'limit',
    'format',
    'before',
  ],
  schemas: [],
};

async function main(argv: string[]): Promise<void> {
  const { positional, flags } = parseArgs(argv);
  const [command = 'start', ...rest] = positional;
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  if (command === 'help' || flags.help) return out(HELP);
  const known = FLAGS[command];
  if (!known)
    throw usage(
      `未知命令 "${command}"（hub help 列出全部命令）`,
      `unknown command "${command}" (hub help lists the commands)`,
    );
  onlyFlags(command, flags, known);
  if (command === 'schemas') {
    schemasCommand(rest, out);
    connectSchemasCommand(rest, out);
    return graphqlSchemaCommand(rest, out);
  }
  const config = loadConfig();
  switch (command) {
    case 'start': {
      const role = flagValue(flags, 'role') ?? 'all';
      if (!isHubRole(role))
        throw usage(
          `--role 须为 ${HUB_ROLES.join('|')} 之一，而不是 "${role}"`,
          `--role must be one of ${HUB_ROLES.join('|')}, not "${role}"`,
        );
      return startCommand(config, out, role);
    }
    case 'bridge':
      return bridgeCommand(config, out);
    case 'token':
      return tokenCommand(config, rest, flags, out);
    case 'demo':
      return demoCommand(config, out);
    case 'report':
      return reportCommand(config, rest, flags, out);
    case 'ledger':
      return ledgerCommand(config, rest, flags, out);
    case 'worklist':
      return worklistCommand(config, rest, flags, out);
    case 'user':
      return userCommand(config, rest, flags, out);
    case 'certificates':
      return certificatesCommand(config, rest, flags, out);
    case 'import':
      return importCommand(config, rest, flags, out);
    case 'verify':
      return verifyCommand(config, rest, flags, out);
    case 'agency-key':
      return agencyKeyCommand(config, rest, flags, out);
    case 'personal-data':
      return personalDataCommand(config, rest, flags, out);
    case 'migrate':
      return migrateCommand(config, rest, out);
    case 'audit':
      return auditCommand(config, rest, flags, out);
    case 'projections':
      return projectionsCommand(config, rest, out);
  }
}

// A reader that stops early (`hub report … | head`) closes the pipe: that ends the output,
// it is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  const debug = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  const failure = describeFailure(error, debug);
  process.stderr.write(`hub: ${failure.line}\n`);
  process.exit(failure.exitCode);
});
