// Loads the peer libraries from bench/node_modules at run time. The specifier is a variable so
// that the repository's typecheck does not depend on the bench's own packages being installed;
// each caller declares the small part of the API it uses.
export async function loadPeer<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T;
}

/** A module built under bench/out (generated code), by path relative to the repository root. */
export async function loadOut<T>(pathFromRoot: string): Promise<T> {
  const url = new URL(`../../${pathFromRoot}`, import.meta.url).href;
  return (await import(url)) as T;
}
