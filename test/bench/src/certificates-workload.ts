import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { residentIdCheckCharacter } from '@hub/domain';

/** The i-th synthetic worker: a valid resident ID number, spread over 16 districts. */
export function benchIdNumber(i: number): string {
  const division = String(310101 + (i % 16));
  const birth = `19${String(50 + (i % 50)).padStart(2, '0')}0${1 + (i % 9)}1${i % 10}`;
  const serial = String(Math.floor(i / 160) % 1000).padStart(3, '0');
  // Vary the birth year block with i so 10M numbers stay distinct.
  const first17 = `${division}${birth}${serial}`;
  return first17 + residentIdCheckCharacter(first17);
}

/** Certificate i of the registry: a special-operations card `T` + a unique 18-character number. */
export function benchCertificateNumber(i: number): string {
  return `C${String(i).padStart(12, '0')}`;
}

/**
 * A roster of `rows` rows: most certificates valid, some unknown, some held by another
 * person, and some with a bad check digit (to be rejected, not dropped).
 */
export async function writeBenchRoster(
  file: string,
  rows: number,
  registrySize: number,
): Promise<void> {
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('证书类型,证书编号,身份证号,姓名,作业类别,单位\n');
  for (let r = 0; r < rows; r++) {
    const i = (r * 7919) % registrySize;
    const kind = r % 20;
    const number = kind === 0 ? `C9${String(r).padStart(11, '0')}` : benchCertificateNumber(i);
    let id = benchIdNumber(kind === 1 ? i + 1 : i);
    if (kind === 2) id = `${id.slice(0, 17)}${id[17] === '0' ? '1' : '0'}`;
    await write(
      `construction_special_operations,${number},${id},工人${i % 1000},建筑电工,9131000${r % 50}\n`,
    );
  }
  out.end();
  await once(out, 'finish');
}
