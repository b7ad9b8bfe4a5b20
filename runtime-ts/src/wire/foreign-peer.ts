// A peer that answers a HELLO with something other than interop frames (docs/wire.md §2): an HTTP
// server, a TLS server, any other service. Read as a frame, "HTTP/1.1 400" is a length of
// 1347703880 bytes; this says what was reached instead.

/** Bytes needed to tell: a frame's length (4), kind and codec. */
export const SNIFF_BYTES = 6;

/**
 * Whether the first bytes an initiator receives can start the answer to its HELLO: a WELCOME or a
 * connection-level ERROR, both JSON (kind 2 or 5 at offset 4, codec 1 at offset 5).
 */
export function startsHandshakeAnswer(head: Uint8Array): boolean {
  return (head[4] === 2 || head[4] === 5) && head[5] === 1;
}

/** Why a handshake failed when the peer closed before sending a byte (docs/wire.md §2). */
export const CLOSED_WITHOUT_ANSWER =
  'the peer closed the connection without answering HELLO (so do a process that exited, a node out of file descriptors, and a server of another protocol such as TLS)';

/** What a peer that answered `head` (at least SNIFF_BYTES) instead of a WELCOME seems to be. */
export function describeForeignPeer(head: Uint8Array): string {
  const bytes = head.subarray(0, 64);
  let end = 0;
  while (end < bytes.length && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
  const line = bytes.subarray(0, end);
  const printable = line.length > 0 && line.every((b) => b >= 0x20 && b <= 0x7e);
  const text = printable ? JSON.stringify(String.fromCharCode(...line)) : '';
  let what: string;
  if (printable && text.startsWith('"HTTP/')) what = `like an HTTP server: ${text}`;
  else if ((bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) what = 'like a TLS server (interop connections are not TLS)';
  else if (printable) what = `with text: ${text}`;
  else what = `with bytes ${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
  return `the peer does not speak the interop protocol: it answered ${what}`;
}
