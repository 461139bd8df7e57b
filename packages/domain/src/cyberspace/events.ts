import { z } from 'zod';
import { defineEvent } from '../shared/event-definition.js';
import { ExternalId } from '../shared/envelope.js';
import { Count } from '../shared/refs.js';
import { nameSchema } from '../shared/value-objects/name.js';

const PlatformName = nameSchema('platform');

const siteStream = (d: { siteId: string }) => `website-${d.siteId}`;

const HttpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(2048)
  .describe('Address as found; kept as evidence, never fetched by the hub');

export const FakeWebsiteFound = defineEvent({
  type: 'FakeWebsiteFound',
  version: 1,
  titleZh: '发现假冒政府网站平台',
  description: 'A fake government website, verification platform, public account or app was found.',
  publishers: ['cyberspace', 'market', 'police', 'emergency'],
  stream: siteStream,
  addressees: () => ['cyberspace'],
  schema: z
    .object({
      siteId: ExternalId,
      url: HttpUrl,
      kind: z.enum(['government_site', 'verification_platform', 'wechat_account', 'app', 'other']),
      impersonates: nameSchema('platform', 200)
        .optional()
        .describe('e.g. 应急管理部特种作业操作证查询平台'),
    })
    .strict(),
});

export const FakeWebsiteBlocked = defineEvent({
  type: 'FakeWebsiteBlocked',
  version: 1,
  titleZh: '封堵/关闭假冒网站',
  description: 'A fake website was blocked or closed (发现一个处理一个).',
  publishers: ['cyberspace'],
  stream: siteStream,
  schema: z
    .object({ siteId: ExternalId, action: z.enum(['blocked', 'closed', 'account_suspended']) })
    .strict(),
});

export const IllegalInformationCleaned = defineEvent({
  type: 'IllegalInformationCleaned',
  version: 1,
  titleZh: '清理涉证违规信息',
  description: 'Illegal certificate-related information or listings were cleaned from a platform.',
  publishers: ['cyberspace', 'market'],
  stream: (d) => `cleanup-${d.batchId}`,
  schema: z
    .object({
      batchId: ExternalId,
      platform: PlatformName,
      items: Count,
      kind: z.enum(['posts', 'ecommerce_listings', 'accounts', 'ads']),
    })
    .strict(),
});

export const AdMonitoringHit = defineEvent({
  type: 'AdMonitoringHit',
  version: 1,
  titleZh: '互联网广告监测线索',
  description:
    'Keyword monitoring of internet ads found a suspicious ad for the issuing departments to screen.',
  publishers: ['market'],
  stream: (d) => `ad-hit-${d.hitId}`,
  addressees: () => ['emergency', 'construction'],
  schema: z
    .object({
      hitId: ExternalId,
      keyword: z.string().min(1).max(64),
      platform: PlatformName,
      url: HttpUrl,
    })
    .strict(),
});

export const cyberspaceEvents = [
  FakeWebsiteFound,
  FakeWebsiteBlocked,
  IllegalInformationCleaned,
  AdMonitoringHit,
] as const;
