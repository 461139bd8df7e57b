import { creditCodeCheckCharacter, residentIdCheckCharacter } from '@hub/domain';
import type { Random } from './random.js';

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '涛',
  '明',
  '超',
  '霞',
  '平',
  '刚',
];
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A resident ID number with a valid birth date and GB 11643 check character. */
export function residentId(random: Random, division: string): string {
  const year = random.int(1965, 2000);
  const month = String(random.int(1, 12)).padStart(2, '0');
  const day = String(random.int(1, 28)).padStart(2, '0');
  const first17 = `${division}${year}${month}${day}${String(random.int(0, 999)).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

/** A unified social credit code of an enterprise (category 91) with a GB 32100 check character. */
export function creditCode(random: Random, division: string): string {
  const body = Array.from({ length: 9 }, () => CREDIT_ALPHABET[random.int(0, 30)]).join('');
  const first17 = `91${division}${body}`;
  return first17 + creditCodeCheckCharacter(first17);
}

export function personName(random: Random): string {
  return (
    random.pick(SURNAMES) + random.pick(GIVEN) + (random.next() < 0.5 ? random.pick(GIVEN) : '')
  );
}
