// What a web listener checks before anything reaches a node (docs/transports.md, "Security"):
// the Host header (so that a web page cannot reach a loopback node through a DNS name that
// rebinds to 127.0.0.1) and the Origin header (so that a page of another site cannot call a node
// from a visitor's browser). Requests without Origin come from programs, not pages: they pass.

import type { WebConfig } from '../types.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const ANY_HOST = new Set(['0.0.0.0', '::', '']);

export interface WebPolicy {
  /** Host names allowed (lower case); undefined when any is. */
  readonly hosts: ReadonlySet<string> | undefined;
  /** Origins allowed besides the listener's own; undefined when any is. */
  readonly origins: ReadonlySet<string> | undefined;
  /** "http" or "https": the scheme of the listener's own origin. */
  readonly pageScheme: 'http' | 'https';
}

/** The policy of a listener bound to `boundHost`: loopback names and that host, plus the config's. */
export function webPolicy(web: WebConfig | undefined, boundHost: string, tls: boolean): WebPolicy {
  const extraHosts = web?.allowed_hosts ?? [];
  const hosts = new Set([...LOOPBACK_NAMES, ...extraHosts.map((h) => h.toLowerCase())]);
  if (!ANY_HOST.has(boundHost)) hosts.add(boundHost.toLowerCase());
  const origins = web?.allowed_origins ?? [];
  return {
    hosts: extraHosts.includes('*') ? undefined : hosts,
    origins: origins.includes('*') ? undefined : new Set(origins.map((o) => o.toLowerCase().replace(/\/+$/, ''))),
    pageScheme: tls ? 'https' : 'http',
  };
}

/** The host name of a Host header: no port, no IPv6 brackets, lower case. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** Why a request may not pass, or undefined when it may. */
export function refusal(policy: WebPolicy, host: string | undefined, origin: string | undefined): string | undefined {
  if (host === undefined || host === '') return 'the request has no Host header';
  const name = hostName(host);
  if (policy.hosts && !policy.hosts.has(name)) {
    return `Host "${host}" is not allowed here: add "${name}" to web.allowed_hosts in the node config to serve it`;
  }
  if (origin === undefined) return undefined;
  if (!originAllowed(policy, host, origin)) {
    return `Origin "${origin}" is not allowed here (a page of another site): add it to web.allowed_origins in the node config to let its pages call this node`;
  }
  return undefined;
}

/** The page's own origin (same scheme, host and port as the request), or one of the allowed ones. */
export function originAllowed(policy: WebPolicy, host: string, origin: string): boolean {
  const o = origin.toLowerCase();
  return o === `${policy.pageScheme}://${host.toLowerCase()}` || isCrossOriginAllowed(policy, o);
}

/** An allowed origin other than the listener's own (answered with CORS headers). */
export function isCrossOriginAllowed(policy: WebPolicy, origin: string): boolean {
  return policy.origins === undefined || policy.origins.has(origin.toLowerCase());
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}
