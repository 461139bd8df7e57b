import { formatSealedRef, maskedForDisplay } from './personal-data-refs.js';

// A valid resident ID number (check character computed), only ever in test input.
const ID = '11010519491231002X';

describe('event data shown without an unmasking', () => {
  it('shows a sealed reference as its masked form, marked sealed, never its content', () => {
    const sealed = formatSealedRef({
      kind: 'id',
      matchAlg: 'hmac-sha256',
      key: 'k3y',
      masked: '110105********002X',
      keyId: 'subject-1',
      sealed: 'c2VhbGVk',
    });
    const shown = JSON.stringify(
      maskedForDisplay({ worker: { idNumber: sealed, name: '张三丰' } }),
    );
    expect(shown).toContain('110105********002X（已加密）');
    // A person's name beside the number keeps its first character only.
    expect(shown).toContain('"name":"张**"');
    expect(shown).not.toContain('c2VhbGVk');
    expect(shown).not.toContain('pii1:');
  });

  it('masks an ID number in any text, and leaves other text and values as they were', () => {
    const shown = maskedForDisplay({
      note: `持证人 ${ID} 证件为伪造`,
      list: [ID, 3, true, null],
      subject: { name: '示例机械有限公司' },
    });
    // Positive control: the number was in the input, and the rest of the text survives.
    expect(JSON.stringify({ ID })).toContain(ID);
    expect(JSON.stringify(shown)).not.toContain(ID);
    expect(shown).toEqual({
      note: '持证人 110105********002X 证件为伪造',
      list: ['110105********002X', 3, true, null],
      subject: { name: '示例机械有限公司' },
    });
  });
});
