/** Levenshtein distance; small strings only (spec keys), so the simple O(n·m) table is fine. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The known key closest to `unknown`, or undefined when nothing is close enough to be a typo
 * (more than a third of the word changed): a wild guess is worse than listing the allowed keys.
 * Case differences count as near misses (`ReadOnlyHint` → `readOnlyHint`).
 */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === unknown.toLowerCase() ? 0.5 : editDistance(unknown, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.ceil(unknown.length / 3));
  return bestDistance <= limit ? best : undefined;
}
