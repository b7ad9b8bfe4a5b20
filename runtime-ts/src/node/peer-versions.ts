// What this side may use of the peer's modules (docs/wire.md §2.2): a module the peer offers with
// the same fingerprint entirely; one with another fingerprint function by function and event by
// event, as the compatibility tables exchanged in the handshake decide. Judged once per member
// and remembered for the life of the connection.

import { ErrorCode, errorCodeName, InteropError } from '../errors.js';
import type { ModuleDescriptor } from '../module.js';
import { compatOf, verdict } from '../wire/compat.js';
import { CONTROL_MODULE } from '../wire/handshake.js';
import type { PeerInfo } from './handshake-flow.js';

export type MemberKind = 'function' | 'event';

/**
 * One module that a connection's two sides have in different versions (docs/wire.md §7, the
 * manifest's `mixed_versions`): this node `calls` it on the peer, and then `unavailable` lists
 * what it cannot use there; or it `serves` it to the peer, which judges its own calls.
 */
export interface MixedVersion {
  peer: string;
  module: string;
  role: 'calls' | 'serves';
  fingerprint: string;
  peer_fingerprint: string;
  unavailable?: Array<{ kind: MemberKind; member: string; code: string; message: string }>;
}

/** A refusal, kept as code and message: every refused call gets its own error object. */
interface Refusal {
  code: number;
  message: string;
}

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export class PeerVersions {
  /**
   * `module fingerprint kind member` → why it cannot be used, or null when it can. The
   * fingerprint names the version of the module this side calls with.
   */
  private readonly judged = new Map<string, Refusal | null>();

  constructor(private readonly peer: PeerInfo) {}

  /** Whether the peer offers `module` with the very fingerprint this side was built from. */
  same(module: ModuleDescriptor): boolean {
    return module.name === CONTROL_MODULE || (has(this.peer.offers, module.name) && this.peer.offers[module.name] === module.fingerprint);
  }

  /** Throws the error a call of (or subscription to) `name` fails with, before anything is sent. */
  check(module: ModuleDescriptor, kind: MemberKind, name: string): void {
    if (this.same(module)) return;
    const key = `${module.name} ${module.fingerprint} ${kind} ${name}`;
    let refusal = this.judged.get(key);
    if (refusal === undefined) {
      const error = this.judge(module, kind, name);
      refusal = error ? { code: error.code, message: error.message } : null;
      this.judged.set(key, refusal);
    }
    if (refusal) throw new InteropError(refusal.code, refusal.message);
  }

  private judge(module: ModuleDescriptor, kind: MemberKind, name: string): InteropError | undefined {
    const peerName = this.peer.node || 'the peer';
    if (!has(this.peer.offers, module.name)) return new InteropError(ErrorCode.NOT_FOUND, `${peerName} does not offer module ${module.name}`);
    const ours = compatOf(module.ir);
    const theirs = has(this.peer.compat, module.name) ? this.peer.compat[module.name] : undefined;
    if (!ours || !theirs) {
      return new InteropError(
        ErrorCode.SCHEMA_MISMATCH,
        `module ${module.name}: this side was generated from ${module.fingerprint}, ${peerName} has ${this.peer.offers[module.name]}, and without both compatibility tables nothing can be called`,
      );
    }
    return verdict(kind, module.name, name, ours, theirs);
  }

  /** The modules of `wants` (ours) and `offers` (what we serve) that the peer has in another version. */
  report(wants: readonly ModuleDescriptor[], offers: Record<string, string>): MixedVersion[] {
    const out: MixedVersion[] = [];
    for (const d of wants) {
      if (this.same(d) || !has(this.peer.offers, d.name)) continue;
      const unavailable: NonNullable<MixedVersion['unavailable']> = [];
      const members = [
        ...Object.keys(d.functions).sort().map((m) => ['function', m] as const),
        ...Object.keys(d.events).sort().map((m) => ['event', m] as const),
      ];
      for (const [kind, member] of members) {
        try {
          this.check(d, kind, member);
        } catch (e) {
          const error = e as InteropError;
          unavailable.push({ kind, member, code: errorCodeName(error.code), message: error.message });
        }
      }
      out.push({ peer: this.peer.node, module: d.name, role: 'calls', fingerprint: d.fingerprint, peer_fingerprint: this.peer.offers[d.name]!, unavailable });
    }
    for (const [name, theirs] of Object.entries(this.peer.wants)) {
      if (has(offers, name) && offers[name] !== theirs) {
        out.push({ peer: this.peer.node, module: name, role: 'serves', fingerprint: offers[name]!, peer_fingerprint: theirs });
      }
    }
    return out;
  }
}
