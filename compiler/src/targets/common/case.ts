// Case conversion shared by every target's naming table (names.ts in each target folder), so
// `HTTPServer`, `http_server` and `httpServer` split into the same words in every language.

/** Splits snake_case, camelCase and ACRONYMCase into lowercase words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .split(/_+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

export function pascalCase(name: string): string {
  if (/^[A-Z][A-Za-z0-9]*$/.test(name)) return name; // already Pascal: keep acronyms as written
  const out = words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return out === '' ? name : out;
}

export function camelCase(name: string): string {
  if (/^[a-z][A-Za-z0-9]*$/.test(name)) return name; // already camel: keep acronyms as written
  // Leading underscores are kept (`_id` stays `_id`), as they often mean something to the author.
  const lead = /^_+/.exec(name)?.[0] ?? '';
  const ws = words(name);
  const out = ws.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  return out === '' ? name : lead + out;
}

export function snakeCase(name: string): string {
  const lead = /^_+/.exec(name)?.[0] ?? '';
  const out = words(name).join('_');
  return lead + (out === '' ? name : out);
}
