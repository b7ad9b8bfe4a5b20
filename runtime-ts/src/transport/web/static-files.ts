// Static files for web pages (docs/config.md, `web.static`): GET and HEAD of a file under one
// directory, so that a node can serve the page that is its own browser client (same origin: the
// page's WebSocket passes the Origin check without configuration). Nothing outside the directory
// is reachable: no "..", no symbolic link leading out.

import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file for a URL path under `root`, or undefined when there is none (or it would lead out). */
export function staticFile(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.split('/').includes('..')) return undefined;
  if (path.endsWith('/')) path += 'index.html';
  try {
    const base = realpathSync(root);
    const file = realpathSync(join(base, path));
    if (!file.startsWith(base + sep) || !statSync(file).isFile()) return undefined;
    return file;
  } catch {
    return undefined;
  }
}

/** Sends the file; false when there is none for this path. */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, urlPath: string): boolean {
  const file = staticFile(root, urlPath);
  if (file === undefined) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(statSync(file).size),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).on('error', () => res.destroy()).pipe(res);
  return true;
}
