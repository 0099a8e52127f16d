/**
 * True when `value` nests objects or arrays more than `limit` levels deep. Iterative, so safe on hostile input
 * that would overflow the stack of any recursive walk (a validator, `JSON.stringify`, a YAML composer): check
 * before handing a request body to one.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

const TOKEN_START = new Set([' ', '\t', '\n', '\r', '[', '{', ',', ':']);

/**
 * The 1-based line where a YAML or JSON text first nests more than `limit` levels deep, or undefined when it
 * never does. Counts an upper bound of the nesting at each point (indentation columns, compact `- ` / `? ` / `: `
 * indicators at a line's start, open `[` and `{` outside quoted scalars and comments), so a text it passes is
 * never deeper than `limit`; linear in the text and stops at the first excess, so hostile input costs little.
 */
export function lineNestingDeeperThan(source: string, limit: number): number | undefined {
  let line = 1;
  let indentation = 0;
  let atLineStart = true;
  let flow = 0;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      indentation = 0;
      atLineStart = true;
      if (quote === undefined) continue;
    }
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '\t') indentation++;
      else if ((c === '-' || c === '?' || c === ':') && (source[i + 1] === ' ' || source[i + 1] === '\t')) indentation += 2;
      else atLineStart = false;
    }
    if (c === '#' && (i === 0 || TOKEN_START.has(source[i - 1]!))) {
      const end = source.indexOf('\n', i);
      i = (end === -1 ? source.length : end) - 1;
      continue;
    }
    if ((c === '"' || c === "'") && (i === 0 || TOKEN_START.has(source[i - 1]!))) quote = c;
    else if (c === '[' || c === '{') flow++;
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    if (indentation + flow > limit) return line;
  }
  return undefined;
}
