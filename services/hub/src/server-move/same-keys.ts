import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHubSigningKey } from '@hub/evidence';
import { parseVaultKey } from '@hub/personal-data';
import type { HubConfig } from '../config.js';
import { MoveRefusedError } from './errors.js';

/**
 * The keys the embedded hub made in its data directory must be the ones server mode is given:
 * under another PII key its sealed data and subject keys no longer open, under another signing
 * key its checkpoints no longer verify with the hub's published key, under another JWT secret
 * every token it issued fails. A key file that is absent has nothing to keep.
 */
export function requireSameKeys(config: HubConfig): void {
  const file = (name: string) => {
    const path = join(config.dataDir, name);
    return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
  };
  const differ: string[] = [];
  const pii = file('pii.key');
  if (pii !== undefined && config.HUB_PII_KEY) {
    const made = parseVaultKey(pii, 'pii.key');
    const given = [config.HUB_PII_KEY, ...(config.HUB_PII_PREVIOUS_KEYS ?? '').split(',')]
      .filter(Boolean)
      .map((k) => parseVaultKey(k, 'HUB_PII_KEY'));
    if (!given.some((k) => k.id === made.id && k.secret.equals(made.secret)))
      differ.push('pii.key → HUB_PII_KEY');
  }
  const jwt = file('jwt.key');
  if (jwt !== undefined && config.HUB_JWT_SECRET) {
    if (!Buffer.from(jwt, 'base64').equals(Buffer.from(config.HUB_JWT_SECRET, 'base64')))
      differ.push('jwt.key → HUB_JWT_SECRET');
  }
  const signing = file('hub-signing.key');
  if (signing !== undefined && config.HUB_SIGNING_KEY) {
    const made = parseHubSigningKey(signing, 'hub-signing.key');
    const given = parseHubSigningKey(config.HUB_SIGNING_KEY, 'HUB_SIGNING_KEY');
    if (made.keyId !== given.keyId) differ.push('hub-signing.key → HUB_SIGNING_KEY');
  }
  if (differ.length > 0)
    throw new MoveRefusedError(
      `服务器模式配置的密钥与数据目录中的不同（${differ.join('、')}）：请把数据目录中的密钥文件作为这些密钥提供，否则已加密的数据无法打开、已签名的检查点无法核验`,
      `the keys given to server mode differ from the data directory's (${differ.join(', ')}): give the data directory's key files as these keys, or sealed data no longer opens and signed checkpoints no longer verify`,
    );
}
