import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/printable.ts';

describe('what the CLI prints', () => {
  it('writes control characters as \\u escapes, newlines and tabs as they are', () => {
    expect(printable('a\u001b[2Jb\rc\u0007d\u009be\u007f')).toBe('a\\u001b[2Jb\\u000dc\\u0007d\\u009be\\u007f');
    expect(printable('line one\n\tline two')).toBe('line one\n\tline two');
    // The same escapes JSON reads: a JSON line stays the same value.
    const value = { d: 'x\u0085y\u007f' };
    expect(JSON.parse(printable(JSON.stringify(value)))).toEqual(value);
  });
});
