#!/usr/bin/env node
import './production-env.js';
import { parseArgs } from './cli/args.js';
import {
  bridgeCommand,
  demoCommand,
  graphqlSchemaCommand,
  schemasCommand,
  userCommand,
  startCommand,
  tokenCommand,
} from './cli/commands.js';
import { describeFailure } from './cli/failure.js';
import { onlyFlags, usage } from './cli/usage.js';
import { ledgerCommand, projectionsCommand, reportCommand } from './cli/reporting-commands.js';
import { certificatesCommand } from './cli/certificates-commands.js';
import { verifyCommand } from './cli/evidence-commands.js';
import { agencyKeyCommand } from './cli/agency-key-commands.js';
import { personalDataCommand } from './cli/personal-data-commands.js';
import { migrateCommand } from './cli/migrate-commands.js';
import { auditCommand } from './cli/audit-commands.js';
import { loadConfig } from './config.js';

const HELP = `hub — inter-agency data-sharing hub against counterfeit special-operations certificates

usage: hub [command]
  start                               run the all-in-one hub (default)
  bridge                              run only the Kafka bridge (needs KAFKA_BROKERS)
  token create --agency <code> --units <codes> [--label text]
                                      new agency credential for these division codes
                                      (000000: the whole country); the token is the last line
  token revoke <tokenId>              revoke a credential
  token list                          list credentials (never the tokens)
  demo                                load a realistic demo campaign (idempotent)
  report <form> --unit <code> [--period YYYY-MM] [--as-of instant] [--format csv|xlsx|json]
         [--out file] [--filled-by name] [--contact phone]
                                      an official form (forms: shanghai-2024, guangdong-2018,
                                      jiangjin-2023) for a unit and period, rolled up below it
  ledger [--unit <code>] [--due]      the clue-transfer ledger, or the steps due now
  certificates import --agency <issuer> --file <export.csv|.xlsx> --unit <code> [--type <type>]
                                      an issuer's existing certificate export, as events (idempotent)
  certificates screen --agency <code> --file <roster.csv|.xlsx> --unit <code> --purpose <text>
         [--case <id>] [--type <type>] [--out results.jsonl]
                                      screen a roster against the registry (recorded as an event)
  projections status                  read models: position and lag of each projection
  projections rebuild <name>          rebuild one read model from the first event
  user create --role <analyst|procurator|agency_officer|court_clerk|auditor> --name <name>
       --units <codes> [--agency <code>] [--days 90]
                                      a GraphQL user; the signed token is the last line
  user list | user revoke <id>        GraphQL users
  verify [--checkpoint <file>[,<file>…]] [--public-key <pem>]
                                      check the whole history: every link of the hash chain,
                                      the hub's signed checkpoints and agencies' checkpoint files
  verify checkpoint [--out <file>]    sign where the history stands, for agencies to keep
  agency-key register --agency <code> --public-key <pem> [--label text]
  agency-key revoke --agency <code> --key-id <id> --reason <rotated|compromised|retired>
  agency-key list [--agency <code>]   agencies' keys that sign their batches
  personal-data forget --id-number <id> --reason <text>
                                      destroy a person's keys at the end of retention
                                      (crypto-shredding: sealed copies unreadable, counts kept)
  migrate evidence                    bring a store made before sealing and the chain up to
                                      them (offline; the old file is kept to be destroyed)
  audit [--holder <ID number|->] [--from <date>] [--to <date>] [--action <code|family>]
        [--actor <id>] [--agency <code>] [--purpose <text>] [--outcome ok|refused|failed]
        [--limit 200] [--format table|jsonl]
                                      the audit trail, newest first, times in Asia/Shanghai
                                      (--holder -: the ID number from standard input)
  audit purge --before <YYYY-MM-DD>   remove audit records older than that day, never inside
                                      HUB_AUDIT_RETENTION_DAYS (at least 183 days)
  schemas [check]                     write (or check) schemas/events and schemas/graphql`;

/** Flags each command takes; any other is refused (see onlyFlags). */
const FLAGS: Record<string, readonly string[]> = {
  start: [],
  bridge: [],
  token: ['agency', 'units', 'label'],
  demo: [],
  report: ['unit', 'period', 'as-of', 'format', 'out', 'filled-by', 'contact'],
  ledger: ['unit', 'due'],
  user: ['role', 'name', 'agency', 'units', 'days'],
  certificates: ['agency', 'file', 'unit', 'type', 'purpose', 'case', 'out'],
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
    return graphqlSchemaCommand(rest, out);
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      return startCommand(config, out);
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
    case 'user':
      return userCommand(config, rest, flags, out);
    case 'certificates':
      return certificatesCommand(config, rest, flags, out);
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
