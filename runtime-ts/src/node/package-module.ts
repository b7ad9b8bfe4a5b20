// What a TypeScript module package's entry exports (docs/library.md, "Writing a package"): a
// `create(host)` function returning the module's descriptor and handlers. The node host that loads
// packages (`interop host`) calls it before the node starts and runs `run` once it has.

import type { ModuleDescriptor } from '../module.js';
import type { NodeConfig } from './config.js';
import type { Node } from './node.js';

export interface PackageHost {
  /** The node hosting the module; reading it before the node has started throws. */
  readonly node: Node;
  /** The node config the host was started with. */
  readonly config: NodeConfig;
  /** One line of the module's log (stdout, or stderr in a stdio plugin). */
  log(line: string): void;
}

export interface ModulePackage {
  /** The generated descriptor of the module the package implements. */
  module: ModuleDescriptor;
  /** Its handler object (the generated XHandlers interface). */
  handlers: object;
  /** Descriptors of the modules it calls, announced in handshakes. */
  uses?: ModuleDescriptor[];
  /** Started once the node serves; `signal` aborts when the node closes. */
  run?(node: Node, signal: AbortSignal): void | Promise<void>;
}

/** The entry module's shape. */
export type CreateModule = (host: PackageHost) => ModulePackage;
