/*
 * The pods/services `proxy` subresource of the stand-in:
 *   /api/v1/namespaces/{ns}/pods/{name}[:port]/proxy/{path}
 *   /api/v1/namespaces/{ns}/services/[{scheme}:]{name}[:port]/proxy/{path}
 * A test registers an in-process HTTP handler per target (a tiny fake of the workload's API);
 * the stand-in answers like the apiserver when the object is missing (404) or nothing listens
 * on the port (503 "error trying to reach service").
 */
import { IncomingMessage, ServerResponse } from 'node:http';

export type ProxyKind = 'pods' | 'services';

export interface ProxyTarget {
  namespace: string;
  kind: ProxyKind;
  /** Pod or Service name */
  name: string;
  port: number;
}

/**
 * Answers one proxied request. `req.url` is the path below `/proxy` (with the query), as the
 * workload would see it; the body is streamed on `req` unchanged.
 */
export type ProxyHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => void | Promise<void>;

export interface ProxyRequest {
  target: Omit<ProxyTarget, 'port'> & { port?: number };
  /** Path (with query) forwarded to the target, always starting with `/`. */
  forwardPath: string;
}

const PROXY_PATH =
  /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)\/([^/]+)\/proxy(\/.*)?$/;

/** Parses a proxy URL; undefined when `pathname` is not one. */
export function parseProxyPath(
  pathname: string,
  search: string,
): ProxyRequest | undefined {
  const m = PROXY_PATH.exec(pathname);
  if (!m) return undefined;
  const [, namespace, kind, rawName, rest] = m;
  const parts = decodeURIComponent(rawName).split(':');
  let name: string;
  let port: string | undefined;
  if (kind === 'services' && parts.length === 3) {
    [, name, port] = parts; // scheme:name:port
  } else if (
    kind === 'services' &&
    parts.length === 2 &&
    (parts[0] === 'http' || parts[0] === 'https')
  ) {
    name = parts[1];
  } else {
    [name, port] = parts;
  }
  return {
    target: {
      namespace: decodeURIComponent(namespace),
      kind: kind as ProxyKind,
      name,
      port: port ? Number(port) : undefined,
    },
    forwardPath: `${rest ?? '/'}${search}`,
  };
}

/** Registered proxy handlers, by target. */
export class ProxyRegistry {
  private readonly handlers = new Map<string, ProxyHandler>();

  private static key(t: ProxyTarget): string {
    return `${t.kind}/${t.namespace}/${t.name}:${t.port}`;
  }

  /** Registers `handler` for `target`; the returned function unregisters it. */
  register(target: ProxyTarget, handler: ProxyHandler): () => void {
    const key = ProxyRegistry.key(target);
    this.handlers.set(key, handler);
    return () => {
      if (this.handlers.get(key) === handler) this.handlers.delete(key);
    };
  }

  /** The handler for a request; without a port, the only one registered for that object. */
  find(target: ProxyRequest['target']): ProxyHandler | undefined {
    if (target.port !== undefined) {
      return this.handlers.get(
        ProxyRegistry.key({ ...target, port: target.port }),
      );
    }
    const prefix = `${target.kind}/${target.namespace}/${target.name}:`;
    const matches = [...this.handlers.entries()].filter(([k]) =>
      k.startsWith(prefix),
    );
    return matches.length === 1 ? matches[0][1] : undefined;
  }
}
