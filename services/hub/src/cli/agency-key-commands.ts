import { readFileSync } from 'node:fs';
import { keyIdOf, signatureAlgOfPem } from '@hub/crypto';
import { deterministicUuid } from '@hub/certificates';
import { AGENCIES, isAgency, type Agency } from '@hub/domain';
import { keysFromEvents } from '@hub/evidence';
import { HubRecorder } from '@hub/ingestion';
import { agencyKeyStream } from '@hub/domain';
import type { HubConfig } from '../config.js';
import { openStores, openVault } from '../compose.js';
import { cliAudited } from './cli-audit.js';
import { flagValue, usage, type Flags, type Out } from './usage.js';

const USAGE =
  'hub agency-key register --agency <code> --public-key <pem file> [--label text] | hub agency-key revoke --agency <code> --key-id <id> --reason <rotated|compromised|retired> | hub agency-key list [--agency <code>]';

function agencyOf(flags: Flags, required: boolean): Agency | undefined {
  const agency = flagValue(flags, 'agency');
  if (agency === undefined) {
    if (required)
      throw usage(
        `缺少 --agency（${AGENCIES.join(', ')}）`,
        `missing --agency (${AGENCIES.join(', ')})`,
      );
    return undefined;
  }
  if (!isAgency(agency))
    throw usage(
      `没有部门代码 "${agency}"`,
      `no agency "${agency}"; agencies: ${AGENCIES.join(', ')}`,
    );
  return agency;
}

/**
 * `hub agency-key`: an agency's signing keys, recorded as its own events (registration,
 * rotation = a new key and the old one revoked, revocation). The operator registers a key
 * after checking with the agency that it is theirs (the key id read out over the phone).
 */
export async function agencyKeyCommand(
  config: HubConfig,
  args: string[],
  flags: Flags,
  out: Out,
): Promise<void> {
  const [action] = args;
  if (args.length !== 1 || !['register', 'revoke', 'list'].includes(action ?? ''))
    throw usage(`用法：${USAGE}`, `usage: ${USAGE}`);
  const stores = await openStores(config);
  const vault = await openVault(config);
  const recorder = new HubRecorder(stores.store, { sealing: vault });
  const envelope = (agency: Agency, id: string, type: string, data: object) => ({
    id: deterministicUuid(id),
    type,
    schemaVersion: 1,
    reportingUnit: '110000',
    occurredAt: new Date().toISOString(),
    actor: { officerId: 'hub-cli' },
    data,
  });
  try {
    if (action === 'register') {
      const agency = agencyOf(flags, true)!;
      const file = flagValue(flags, 'public-key');
      if (!file)
        throw usage(
          '缺少 --public-key（PEM 公钥文件）',
          'missing --public-key (a PEM public key file)',
        );
      let pem: string;
      try {
        pem = readFileSync(file, 'utf8');
      } catch {
        throw usage(`无法读取 ${file}`, `cannot read ${file}`);
      }
      let alg: 'ed25519' | 'sm2';
      let keyId: string;
      try {
        alg = signatureAlgOfPem(pem);
        keyId = keyIdOf(pem);
      } catch (error) {
        throw usage(
          `${file} 不是 Ed25519 或 SM2 公钥`,
          `${file} is not an Ed25519 or SM2 public key: ${(error as Error).message}`,
        );
      }
      const label = flagValue(flags, 'label');
      await cliAudited(
        config,
        'agency_key.register',
        { subject: { args: { agency, keyId, alg } } },
        () =>
          recorder.record(agency, [
            envelope(agency, `${agency}|agency-key|${keyId}`, 'AgencyKeyRegistered', {
              agency,
              alg,
              publicKeyPem: pem.trim() + '\n',
              ...(label ? { label } : {}),
            }),
          ]),
      );
      out(
        `已登记 ${agency} 的 ${alg} 签名密钥 ${keyId} / registered ${agency}'s ${alg} signing key ${keyId}`,
      );
    } else if (action === 'revoke') {
      const agency = agencyOf(flags, true)!;
      const keyId = flagValue(flags, 'key-id');
      const reason = flagValue(flags, 'reason');
      if (!keyId || !reason || !['rotated', 'compromised', 'retired'].includes(reason))
        throw usage(`用法：${USAGE}`, `usage: ${USAGE}`);
      const keys = keysFromEvents(await stores.store.readStream(agencyKeyStream(agency)));
      if (!keys.some((k) => k.keyId === keyId && k.revokedAt === undefined))
        throw usage(
          `${agency} 没有有效密钥 ${keyId}`,
          `${agency} has no live key ${keyId} (hub agency-key list)`,
        );
      await cliAudited(
        config,
        'agency_key.revoke',
        { subject: { args: { agency, keyId, reason } } },
        () =>
          recorder.record(agency, [
            envelope(agency, `${agency}|agency-key-revoked|${keyId}`, 'AgencyKeyRevoked', {
              agency,
              keyId,
              reason,
            }),
          ]),
      );
      out(`已吊销 ${agency} 的签名密钥 ${keyId} / revoked ${agency}'s signing key ${keyId}`);
    } else {
      const only = agencyOf(flags, false);
      out('部门 agency\t密钥 key id\t算法 alg\t状态 state\t名称 label');
      for (const agency of only ? [only] : AGENCIES)
        for (const k of keysFromEvents(await stores.store.readStream(agencyKeyStream(agency))))
          out(
            `${agency}\t${k.keyId}\t${k.alg}\t${k.revokedAt === undefined ? 'live' : 'revoked'}\t${k.label ?? ''}`,
          );
    }
  } finally {
    await stores.close();
    await vault.close();
  }
}
