/**
 * Evidence-grade records through the hub as shipped: agencies sign their batches with keys
 * made by the `openssl` command (Ed25519 and SM2, as the README shows), the hub refuses
 * unsigned and forged batches, and `hub verify` checks the history offline — naming a record
 * altered by one byte, a deleted record, a history cut short after an agency took a
 * checkpoint, a history rewritten with a consistent chain, and a signature forged afterwards.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { published } from '@hub/domain/testing';
import { SqliteEventStore } from '@hub/event-store-sqlite';
import { expectedLink } from '@hub/evidence';
import {
  createTokens,
  hubCli,
  startHubProcess,
  tempDataDir,
  type HubProcess,
} from '../support/hub-process';

jest.setTimeout(120_000);

const opensslHasSm2 =
  spawnSync('openssl', ['genpkey', '-algorithm', 'SM2'], { encoding: 'utf8' }).status === 0;
const withOpenssl = opensslHasSm2 ? describe : describe.skip;

let dataDir: string;
let work: string;
let hub: HubProcess | undefined;
let tokens: Record<'emergency' | 'police', string>;

const sh = (script: string, env: Record<string, string> = {}) => {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: work,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${script}\n${r.stderr}`);
  return r.stdout.trim();
};

/** The README's worked example: sign batch.json with a key, as an agency system would. */
const signEd25519 = (key: string) =>
  sh(`printf 'hub-batch-v1\\n%s' "$(sha256sum batch.json | cut -d' ' -f1)" > statement.txt
openssl pkeyutl -sign -inkey ${key} -rawin -in statement.txt | base64 -w0`);
const signSm2 = (key: string) =>
  sh(`printf 'hub-batch-v1\\n%s' "$(openssl dgst -sm3 -r batch.json | cut -d' ' -f1)" > statement.txt
openssl pkeyutl -sign -inkey ${key} -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in statement.txt | base64 -w0`);
const keyIdOf = (pub: string) =>
  sh(`openssl pkey -pubin -in ${pub} -outform DER | sha256sum | cut -c1-16`);

function publish(agency: 'emergency' | 'police', body: string, signature?: string) {
  return fetch(`${hub!.url}/v1/events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${tokens[agency]}`,
      ...(signature ? { 'Hub-Signature': signature } : {}),
    },
    body,
  });
}

const batch = (id: string, type = 'InspectionConducted') =>
  JSON.stringify({
    events: [
      type === 'InspectionConducted'
        ? published('InspectionConducted', {
            inspectionId: id,
            subjectKind: 'employer',
            subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
            method: 'special',
            inspectedOn: '2024-06-20',
            workersChecked: 3,
          })
        : published(
            'ClueReceiptSigned',
            {
              clueId: id,
              transferringAgency: 'emergency',
              receivedAt: '2024-06-21T09:00:00+08:00',
            },
            { reportingUnit: '310105' },
          ),
    ],
  });

const verifyIn = (dir: string, ...args: string[]) =>
  hubCli(['verify', ...args], { HUB_DATA_DIR: dir });

/** A copy of the stopped hub's data, to tamper with. */
function copyOfData(name: string): string {
  const copy = join(work, name);
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

/** Changes the store behind the hub's back, then (for a determined forger) chains it anew. */
async function tamper(dir: string, sql: string, rechain = false, ...params: unknown[]) {
  const db = new Database(join(dir, 'events.db'));
  db.prepare(sql).run(...params);
  db.close();
  if (!rechain) return;
  const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  const events = await store.readAll({ maxCount: 1_000_000 });
  await store.close();
  const rewrite = new Database(join(dir, 'events.db'));
  let previous: string | undefined;
  for (const e of events) {
    const link = expectedLink(previous, e, 'sha256');
    rewrite.prepare('UPDATE events SET chain = ? WHERE position = ?').run(link, Number(e.position));
    previous = link;
  }
  rewrite.close();
}

withOpenssl('evidence: agency signatures and hub verify (openssl keys)', () => {
  let signedEventId: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    work = tempDataDir();
    expect(hubCli(['demo'], { HUB_DATA_DIR: dataDir }).status).toBe(0);
    tokens = createTokens(dataDir, ['emergency', 'police'] as const);
    // The README's key commands, for an Ed25519 and an SM2 agency key.
    sh(`openssl genpkey -algorithm ed25519 -out emergency-sign.pem
openssl pkey -in emergency-sign.pem -pubout -out emergency-sign.pub.pem
openssl genpkey -algorithm SM2 -out police-sign.pem
openssl pkey -in police-sign.pem -pubout -out police-sign.pub.pem`);
    for (const [agency, pub] of [
      ['emergency', 'emergency-sign.pub.pem'],
      ['police', 'police-sign.pub.pem'],
    ]) {
      const registered = hubCli(
        ['agency-key', 'register', '--agency', agency!, '--public-key', join(work, pub!)],
        { HUB_DATA_DIR: dataDir },
      );
      expect(registered.stderr).toBe('');
      expect(registered.stdout).toContain(keyIdOf(pub!));
    }
    hub = await startHubProcess({
      HUB_DATA_DIR: dataDir,
      HUB_SIGNATURES_REQUIRED: 'emergency,police',
    });
  });
  afterAll(() => {
    hub?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses an unsigned batch where signatures are required, with the reason', async () => {
    const res = await publish('emergency', batch('INS-UNSIGNED'));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'SIGNATURE_REQUIRED' });
  });

  it('accepts a batch signed as the README shows, Ed25519 and SM2', async () => {
    const body = batch('INS-SIGNED-1');
    writeFileSync(join(work, 'batch.json'), body);
    const sig = signEd25519('emergency-sign.pem');
    const res = await publish(
      'emergency',
      body,
      `keyId=${keyIdOf('emergency-sign.pub.pem')}, alg=ed25519, sig=${sig}`,
    );
    expect(res.status).toBe(201);
    signedEventId = (JSON.parse(body) as { events: Array<{ id: string }> }).events[0]!.id;
    const police = batch('CL-SIGNED-1', 'ClueReceiptSigned');
    writeFileSync(join(work, 'batch.json'), police);
    const sm2 = await publish(
      'police',
      police,
      `keyId=${keyIdOf('police-sign.pub.pem')}, alg=sm2, sig=${signSm2('police-sign.pem')}`,
    );
    expect(sm2.status).toBe(201);
  });

  it('refuses a forged batch (a signature made over another body), and writes nothing', async () => {
    writeFileSync(join(work, 'batch.json'), batch('INS-OTHER'));
    const sig = signEd25519('emergency-sign.pem');
    const forged = batch('INS-FORGED');
    const res = await publish(
      'emergency',
      forged,
      `keyId=${keyIdOf('emergency-sign.pub.pem')}, alg=ed25519, sig=${sig}`,
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'SIGNATURE_INVALID' });
    const id = (JSON.parse(forged) as { events: Array<{ id: string }> }).events[0]!.id;
    const store = new SqliteEventStore({ filename: join(dataDir, 'events.db') });
    expect((await store.readAll({ maxCount: 1_000_000 })).some((e) => e.id === id)).toBe(false);
    await store.close();
  });

  it('verifies the history and every signature, and gives agencies a checkpoint to keep', async () => {
    const checkpoint = verifyIn(dataDir, 'checkpoint', '--out', join(work, 'checkpoint.json'));
    expect(checkpoint.status).toBe(0);
    // An agency's system fetches one over the API, and the hub's public key to check it.
    const fetched = await fetch(`${hub!.url}/v1/evidence/checkpoint`, {
      headers: { Authorization: `Bearer ${tokens.police}` },
    });
    writeFileSync(join(work, 'police-checkpoint.json'), await fetched.text());
    const publicKey = await fetch(`${hub!.url}/v1/evidence/public-key`, {
      headers: { Authorization: `Bearer ${tokens.police}` },
    });
    writeFileSync(join(work, 'hub.pub.pem'), await publicKey.text());
    const checked = verifyIn(
      dataDir,
      '--checkpoint',
      join(work, 'police-checkpoint.json'),
      '--public-key',
      join(work, 'hub.pub.pem'),
    );
    expect(checked.stdout).toMatch(/历史完整/);
    const verified = verifyIn(dataDir);
    expect(verified.stdout).toMatch(/历史完整，签名有效/);
    expect(verified.stdout).toMatch(/部门签名 agency signatures: 2 个批次/);
    expect(verified.status).toBe(0);
    // Stop the hub: what follows changes its files.
    hub!.child.kill('SIGTERM');
    await new Promise((r) => hub!.child.once('exit', r));
    hub = undefined;
  });

  it('names the record of which one byte was changed', async () => {
    const dir = copyOfData('one-byte');
    await tamper(
      dir,
      "UPDATE events SET data = replace(data, '示例机械', '示例机器') WHERE event_id = ?",
      false,
      signedEventId,
    );
    const result = verifyIn(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`事件 event ${signedEventId} \\[content_altered\\]`));
  });

  it('names the gap where a record was deleted', async () => {
    const dir = copyOfData('deleted');
    await tamper(dir, 'DELETE FROM events WHERE position = 50');
    const result = verifyIn(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/records at positions 50 to 50 are missing/);
  });

  it('names a history cut short after the checkpoint an agency kept', async () => {
    const dir = copyOfData('truncated');
    await tamper(dir, 'DELETE FROM events WHERE position > (SELECT MAX(position) - 3 FROM events)');
    // The hub's own checkpoints may be gone too: the agency's copy still tells.
    rmSync(join(dir, 'evidence.db'), { force: true });
    rmSync(join(dir, 'evidence.db-wal'), { force: true });
    const result = verifyIn(dir, '--checkpoint', join(work, 'checkpoint.json'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/history_truncated/);
  });

  it('names a history rewritten with a consistent chain, by the checkpoints', async () => {
    const dir = copyOfData('rewritten');
    await tamper(
      dir,
      'UPDATE events SET data = replace(data, \'"workersChecked":3\', \'"workersChecked":30\') WHERE event_id = ?',
      true,
      signedEventId,
    );
    const result = verifyIn(dir, '--checkpoint', join(work, 'checkpoint.json'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/checkpoint_mismatch/);
    expect(result.stdout).not.toMatch(/content_altered/);
  });

  it('names a signature forged afterwards, even under a rebuilt chain', async () => {
    const dir = copyOfData('forged-signature');
    const row = new Database(join(dir, 'events.db'), { readonly: true })
      .prepare('SELECT metadata FROM events WHERE event_id = ?')
      .get(signedEventId) as { metadata: string };
    const metadata = JSON.parse(row.metadata) as { signature: { value: string } };
    const bytes = Buffer.from(metadata.signature.value, 'base64');
    bytes[10] = bytes[10]! ^ 1;
    metadata.signature.value = bytes.toString('base64');
    await tamper(
      dir,
      'UPDATE events SET metadata = ? WHERE event_id = ?',
      true,
      JSON.stringify(metadata),
      signedEventId,
    );
    rmSync(join(dir, 'evidence.db'), { force: true });
    rmSync(join(dir, 'evidence.db-wal'), { force: true });
    const result = verifyIn(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${signedEventId} \\[signature_invalid\\]`));
  });

  it('keeps no key material of the agencies in the hub: only their public keys', () => {
    const events = readFileSync(join(dataDir, 'events.db'));
    expect(events.includes(Buffer.from('BEGIN PRIVATE KEY'))).toBe(false);
    expect(events.includes(Buffer.from('BEGIN PUBLIC KEY'))).toBe(true);
  });
});

if (!opensslHasSm2)
  console.log('SKIPPED: evidence e2e: the openssl command with SM2 is not on this machine');
