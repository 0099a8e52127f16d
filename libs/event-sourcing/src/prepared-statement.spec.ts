import { describe, expect, it } from 'vitest';
import { preparedStatement } from './prepared-statement';

describe('preparedStatement', () => {
  it('names a statement after its text: the same text the same name, another text another name', () => {
    const poll = preparedStatement('SELECT 1 FROM emt_messages WHERE global_position > $1');
    expect(preparedStatement('SELECT 1 FROM emt_messages WHERE global_position > $1')).toEqual(poll);
    expect(preparedStatement('SELECT 1 FROM emt_messages WHERE global_position >= $1').name).not.toBe(poll.name);
    expect(poll.text).toBe('SELECT 1 FROM emt_messages WHERE global_position > $1');
  });

  it('gives a name PostgreSQL keeps whole (an identifier of at most 63 bytes)', () => {
    expect(preparedStatement('SELECT 1').name).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });
});
