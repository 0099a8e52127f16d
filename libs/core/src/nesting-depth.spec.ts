import { describe, expect, it } from 'vitest';
import { lineNestingDeeperThan, nestsDeeperThan } from './nesting-depth';

describe('nesting depth, counted without recursion', () => {
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

  it('measures a value of any depth, even one deeper than the stack', () => {
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan(nested(1_000_000), 20)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });

  it('names the line where a YAML or JSON text goes too deep', () => {
    expect(lineNestingDeeperThan('id: x\nrules:\n  - when: {a: [1, 2]}\n', 8)).toBeUndefined();
    expect(lineNestingDeeperThan(`id: x\nrules: ${'['.repeat(500_000)}`, 64)).toBe(2);
    expect(lineNestingDeeperThan(`${'- '.repeat(100)}x`, 64)).toBe(1);
    expect(lineNestingDeeperThan(`a:\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 1)}b${i}:`).join('\n')}`, 64)).toBe(66);
  });

  it('does not count brackets inside quoted scalars or comments, and is not fooled by an apostrophe', () => {
    expect(lineNestingDeeperThan(`reason: "${'['.repeat(100)}"\nnote: '${'{'.repeat(100)}' # ${'['.repeat(100)}`, 8)).toBeUndefined();
    expect(lineNestingDeeperThan(`reason: it's ${'['.repeat(100)}`, 64)).toBe(1);
  });
});
