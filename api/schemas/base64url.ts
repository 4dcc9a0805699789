/**
 * Regular expressions for opaque tokens that are base64url of a known text (the list cursors): the
 * document can then say exactly which tokens the API accepts, not just "base64url", and a fuzzer's
 * well-formed token is one the API decodes. The text is given as one character set per byte
 * (ASCII); the expression matches the unpadded base64url of every text of that shape, and nothing
 * else (no padding, no other alphabet, no bits left over).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A character class of base64url digit values, ranges within A-Z, a-z and 0-9. */
function charClass(values: Iterable<number>): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const run = (v: number) => (v < 26 ? 0 : v < 52 ? 1 : v < 62 ? 2 : 3 + v);
  const literal = (v: number) => (ALPHABET[v] === '-' ? '\\-' : (ALPHABET[v] as string));
  let body = '';
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (
      j + 1 < sorted.length &&
      sorted[j + 1] === (sorted[j] as number) + 1 &&
      run(sorted[j + 1] as number) === run(sorted[i] as number)
    )
      j++;
    const part = sorted.slice(i, j + 1);
    body += part.length >= 3 ? `${literal(part[0] as number)}-${literal(part[part.length - 1] as number)}` : part.map(literal).join('');
    i = j + 1;
  }
  return sorted.length === 1 ? body : `[${body}]`;
}

/**
 * One to three bytes (the sets of their values) as the two to four base64url digits that encode
 * them. Digits are read off the bit stream; the bytes a digit leaves open are the state, and the
 * digits that lead to the same remainder share one character class.
 */
function group(sets: string[]): string {
  const bytes = sets.map((set) => [...new Set([...set].map((ch) => ch.charCodeAt(0)))]);
  const bits = bytes.length * 8;
  const from = (position: number, candidates: number[]): string => {
    if (position >= bits) return '';
    const index = Math.floor(position / 8);
    const left = 8 - (position % 8);
    const next = new Map<number, Set<number>>();
    const add = (digit: number, byte: number) => {
      const set = next.get(digit) ?? new Set<number>();
      set.add(byte);
      next.set(digit, set);
    };
    let nextPosition = position + 6;
    if (left >= 6) {
      for (const byte of candidates) add((byte >> (left - 6)) & 63, byte);
      if (left === 6) for (const digit of next.keys()) next.set(digit, new Set(bytes[index + 1] ?? []));
    } else if (index + 1 < bytes.length) {
      for (const byte of candidates) {
        for (const following of bytes[index + 1] as number[])
          add(((byte & ((1 << left) - 1)) << (6 - left)) | (following >> (2 + left)), following);
      }
    } else {
      // The last digit: the remaining bits, padded with zeros.
      for (const byte of candidates) add((byte & ((1 << left) - 1)) << (6 - left), byte);
      nextPosition = bits;
    }
    const byRest = new Map<string, number[]>();
    for (const [digit, open] of next) {
      const rest = from(
        nextPosition,
        [...open].sort((a, b) => a - b),
      );
      const digits = byRest.get(rest) ?? [];
      digits.push(digit);
      byRest.set(rest, digits);
    }
    const branches = [...byRest].map(([rest, digits]) => charClass(digits) + rest);
    return branches.length === 1 ? (branches[0] as string) : `(?:${branches.join('|')})`;
  };
  return from(0, bytes[0] ?? []);
}

/** The base64url of every text whose i-th byte is one of `shape[i]` (a string of the allowed characters). */
export function base64urlOf(shape: string[]): string {
  let source = '';
  for (let i = 0; i < shape.length; i += 3) source += group(shape.slice(i, i + 3));
  return source;
}

/**
 * The base64url of `prefix` followed by 1 to `max` bytes of `repeated`, where `prefix.length % 3
 * === 2`: the first repeated byte completes a group, the others fall into whole groups and a tail
 * of one or two bytes, so the expression stays short whatever `max` is.
 */
export function base64urlOfRun(prefix: string[], repeated: string, max: number): string {
  if (prefix.length % 3 !== 2 || max < 1) throw new Error('base64urlOfRun: a prefix of 3k+2 bytes and at least one repeated byte');
  const head = base64urlOf([...prefix, repeated]);
  const whole = `(?:${group([repeated, repeated, repeated])})`;
  const tail = (n: number) => group(Array(n).fill(repeated));
  const tails = (upTo: number) =>
    upTo === 0
      ? ''
      : `(?:${[2, 1]
          .filter((n) => n <= upTo)
          .map(tail)
          .join('|')})?`;
  // After the head: k whole groups and a tail, 1 + 3k + tail <= max.
  const full = Math.floor((max - 1) / 3);
  const rest = (max - 1) % 3;
  const branches = [...(full > 0 ? [`${whole}{0,${full - 1}}${tails(2)}`] : []), `${full === 0 ? '' : `${whole}{${full}}`}${tails(rest)}`];
  return `${head}(?:${branches.join('|')})`;
}
