// Globs: `*` is the only wildcard and matches any run of characters (also none, also `/` and `:`).
// Matched by hand, never through RegExp, so a pattern cannot inject regex syntax or backtrack.

export type Matcher = (value: string) => boolean;

export function compileGlob(pattern: string): Matcher {
  const parts = pattern.split('*');
  if (parts.length === 1) return (value) => value === pattern;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const minLength = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    // Leftmost-first is exact for `*`-only globs: an earlier hit never blocks a later part.
    const end = value.length - last.length;
    let at = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

export function anyOf(patterns: readonly string[]): Matcher {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map(compileGlob);
  return (value) => exact.has(value) || globs.some((glob) => glob(value));
}
