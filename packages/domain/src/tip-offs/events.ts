import { z } from 'zod';
import { defineEvent } from '../shared/event-definition.js';
import { ExternalId } from '../shared/envelope.js';
import { Fen } from '../shared/value-objects/money.js';

const receivers = ['emergency', 'construction', 'market', 'cyberspace', 'police'] as const;
const tipOffStream = (d: { tipOffId: string }) => `tip-off-${d.tipOffId}`;

export const TipOffReceived = defineEvent({
  type: 'TipOffReceived',
  version: 1,
  titleZh: '举报受理',
  description: 'A public tip-off was received (12350 hotline, 110, website, WeChat, letter).',
  publishers: receivers,
  stream: tipOffStream,
  schema: z
    .object({
      tipOffId: ExternalId,
      channel: z.enum(['12350', '110', 'website', 'wechat', 'letter', 'visit']),
      subject: z.enum([
        'fake_certificate',
        'uncertified_work',
        'fake_website',
        'certificate_seller',
        'other',
      ]),
      summary: z.string().min(1).max(2000).describe('No personal data of the informant'),
    })
    .strict(),
});

export const TipOffHandled = defineEvent({
  type: 'TipOffHandled',
  version: 1,
  titleZh: '举报办结',
  description: 'A tip-off was handled; substantiated tips may earn a reward (有奖举报).',
  publishers: receivers,
  stream: tipOffStream,
  schema: z
    .object({
      tipOffId: ExternalId,
      outcome: z.enum(['substantiated', 'unsubstantiated', 'transferred']),
      rewardFen: Fen.optional(),
      relatedInspectionId: ExternalId.optional(),
      relatedClueId: ExternalId.optional(),
    })
    .strict(),
});

export const tipOffEvents = [TipOffReceived, TipOffHandled] as const;
