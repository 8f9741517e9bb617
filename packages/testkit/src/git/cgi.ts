/*
 * git's smart HTTP protocol through the real `git-http-backend`, run as a CGI
 * (RFC 3875) per request: request body streamed to its stdin (gzip/deflate
 * request encodings decoded here), its CGI headers parsed, the rest of its
 * stdout streamed to the client.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';

const MAX_CGI_HEADER_BYTES = 64 * 1024;

export interface GitHttpBackendRequest {
  /** Absolute path of the git-http-backend executable. */
  backend: string;
  /** Base environment (see isolatedGitEnv). */
  env: NodeJS.ProcessEnv;
  /** GIT_PROJECT_ROOT: the directory holding `<owner>/<repo>.git`. */
  projectRoot: string;
  /** PATH_INFO, e.g. `/org/repo.git/info/refs`. */
  pathInfo: string;
  /** The query string without `?`. */
  queryString: string;
  /** Authenticated user; enables receive-pack (http.receivepack defaults to "on when REMOTE_USER is set"). */
  remoteUser?: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** Children still running, so close() can end them. */
  children: Set<ChildProcess>;
  /**
   * Runs after the backend exited successfully and before the response is
   * ended, so the client sees its effects once its request completes.
   */
  beforeEnd?: () => Promise<void>;
}

export interface GitHttpBackendResult {
  /** HTTP status sent to the client (0 if the client went away first). */
  status: number;
  /** git-http-backend's stderr, when it wrote any or exited non-zero. */
  error?: string;
}

/** Decodes the request body per Content-Encoding; undefined for an unsupported encoding. */
function decodedBody(req: IncomingMessage): Readable | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity')
    .toString()
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return req;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    return req.pipe(createGunzip());
  }
  if (encoding === 'deflate') return req.pipe(createInflate());
  return undefined;
}

function parseCgiHeaders(block: string): {
  status: number;
  statusText?: string;
  headers: Array<[string, string]>;
} {
  let status = 200;
  let statusText: string | undefined;
  const headers: Array<[string, string]> = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value);
      if (m) {
        status = Number(m[1]);
        statusText = m[2] || undefined;
      }
    } else {
      headers.push([name, value]);
    }
  }
  return { status, statusText, headers };
}

/** Finds the end of the CGI header block (`\r\n\r\n` or `\n\n`). */
function headerEnd(
  buf: Buffer,
): { end: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) {
    return { end: crlf, bodyStart: crlf + 4 };
  }
  return { end: lf, bodyStart: lf + 2 };
}

export function runGitHttpBackend(
  request: GitHttpBackendRequest,
): Promise<GitHttpBackendResult> {
  const { req, res } = request;
  const body = decodedBody(req);
  if (!body) {
    res.writeHead(415, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(
      `Unsupported Content-Encoding ${req.headers['content-encoding']}\n`,
    );
    return Promise.resolve({ status: 415 });
  }
  const identity = body === req;
  const env: NodeJS.ProcessEnv = {
    ...request.env,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'kpaas-testkit-gitea-stand-in',
    REQUEST_METHOD: req.method ?? 'GET',
    GIT_PROJECT_ROOT: request.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.queryString,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-type']) {
    env.CONTENT_TYPE = req.headers['content-type'];
  }
  // Only a body passed through unchanged has a known length; otherwise the
  // backend reads stdin to EOF.
  if (identity && req.headers['content-length'] !== undefined) {
    env.CONTENT_LENGTH = req.headers['content-length'];
  }
  const gitProtocol = req.headers['git-protocol'];
  if (typeof gitProtocol === 'string') env.HTTP_GIT_PROTOCOL = gitProtocol;
  if (request.remoteUser) {
    env.REMOTE_USER = request.remoteUser;
    env.AUTH_TYPE = 'Basic';
  }

  return new Promise(resolve => {
    const child = spawn(request.backend, [], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    request.children.add(child);
    const stderr: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let headersDone = false;
    let settled = false;

    const finish = (result: GitHttpBackendResult) => {
      if (settled) return;
      settled = true;
      request.children.delete(child);
      resolve(result);
    };
    const fail = (status: number, message: string) => {
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${message}\n`);
      } else {
        res.destroy();
      }
    };

    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // backend may answer without reading the body
    body.on('error', () => {
      child.stdin.destroy();
      child.kill('SIGKILL');
    });
    body.pipe(child.stdin);

    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const found = headerEnd(pending);
      if (!found) {
        if (pending.length > MAX_CGI_HEADER_BYTES) {
          headersDone = true;
          child.kill('SIGKILL');
          fail(502, 'git-http-backend sent oversized CGI headers');
        }
        return;
      }
      headersDone = true;
      const parsed = parseCgiHeaders(
        pending.subarray(0, found.end).toString('latin1'),
      );
      res.statusCode = parsed.status;
      if (parsed.statusText) res.statusMessage = parsed.statusText;
      for (const [name, value] of parsed.headers) {
        res.appendHeader(name, value);
      }
      res.flushHeaders();
      const rest = pending.subarray(found.bodyStart);
      pending = Buffer.alloc(0);
      if (rest.length > 0) res.write(rest);
    });

    child.once('error', error => {
      fail(500, `cannot run git-http-backend: ${error.message}`);
      finish({ status: res.statusCode, error: error.message });
    });
    child.once('close', async (code, signal) => {
      const errors: string[] = [];
      const text = Buffer.concat(stderr).toString('utf8').trim();
      if (text) errors.push(text);
      if (code !== 0)
        errors.push(`git-http-backend exited with ${code ?? signal}`);
      if (!headersDone) {
        fail(502, 'git-http-backend exited without a response');
      } else {
        if (code === 0 && request.beforeEnd) {
          try {
            await request.beforeEnd();
          } catch (error) {
            errors.push(error instanceof Error ? error.message : String(error));
          }
        }
        if (!res.writableEnded) res.end();
      }
      finish({
        status: res.headersSent ? res.statusCode : 0,
        error: errors.length > 0 ? errors.join('; ') : undefined,
      });
    });
    res.once('close', () => {
      if (!res.writableFinished && child.exitCode === null) {
        child.kill('SIGKILL');
      }
    });
  });
}
