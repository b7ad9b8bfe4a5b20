// The types of the generated test.plugins.ts that the peers use, written out so that they
// type-check before the code is generated (it is generated into a temp folder by the test).

export interface Tick {
  n: number;
}

interface Options {
  timeoutMs?: number;
}

export interface PluginsHandlers {
  add(a: number, b: number): number;
  chatter(lines: number): number;
  pid(): number;
  slow(ms: number): Promise<number>;
  emit(count: number): number;
  probe(path: string, port: number): Promise<string>;
}

export interface PluginsClient {
  add(a: number, b: number, options?: Options): Promise<number>;
  chatter(lines: number, options?: Options): Promise<number>;
  pid(options?: Options): Promise<number>;
  slow(ms: number, options?: Options): Promise<number>;
  emit(count: number, options?: Options): Promise<number>;
  probe(path: string, port: number, options?: Options): Promise<string>;
  onTick(handler: (t: Tick) => void): Promise<{ dropped: number; unsubscribe(): Promise<void> }>;
}

export interface PluginsPublisher {
  tick(payload: Tick): void;
}
