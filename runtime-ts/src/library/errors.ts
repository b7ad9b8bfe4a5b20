// One error type for everything the module library refuses or cannot do (a bad package, an index
// that does not parse, a tampered download, a version range nothing satisfies, no library
// reachable). Its message is written for the person at the terminal: what, where, what to do. The
// CLI prints it without a stack trace and exits 1 (2 for a usage error).

export class LibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryError';
  }
}

/** `n` bytes for people: `512 B`, `40.1 KiB`, `3.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
}
