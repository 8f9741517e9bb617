/*
 * Authentication (bearer tokens, client certificates signed by the stand-in
 * CA) and a deliberately small authorization model: everyone authenticated may
 * do anything, except read-only identities, which may only read.
 */
import { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { RequestUser } from './types';

export interface TokenIdentity {
  user: string;
  groups?: string[];
  /** Only get/list/watch are allowed; writes get 403 Forbidden. */
  readOnly?: boolean;
}

export type AuthResult =
  | { kind: 'user'; user: RequestUser }
  | { kind: 'anonymous' }
  | { kind: 'rejected' };

const AUTHENTICATED = 'system:authenticated';

export class Authenticator {
  private readonly tokens: Map<string, TokenIdentity>;
  private readonly readOnlyCertUsers = new Set<string>();

  constructor(tokens: Record<string, TokenIdentity>) {
    this.tokens = new Map(Object.entries(tokens));
  }

  addToken(token: string, identity: TokenIdentity): void {
    this.tokens.set(token, identity);
  }

  removeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** The token of the first identity with this user name. */
  tokenOf(user: string): string | undefined {
    for (const [token, identity] of this.tokens)
      if (identity.user === user) return token;
    return undefined;
  }

  /** Client certificates with this CN are treated as read-only. */
  markCertUserReadOnly(user: string): void {
    this.readOnlyCertUsers.add(user);
  }

  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const identity = m ? this.tokens.get(m[1]) : undefined;
      // A presented but unknown token is a hard 401, even where anonymous would pass.
      if (!identity) return { kind: 'rejected' };
      return {
        kind: 'user',
        user: {
          name: identity.user,
          groups: [...(identity.groups ?? []), AUTHENTICATED],
          readOnly: Boolean(identity.readOnly),
        },
      };
    }
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      if (cn) {
        const name = Array.isArray(cn) ? cn[0] : cn;
        const o = cert.subject.O;
        const groups = o === undefined ? [] : [o].flat();
        return {
          kind: 'user',
          user: {
            name,
            groups: [...groups, AUTHENTICATED],
            readOnly: this.readOnlyCertUsers.has(name),
          },
        };
      }
    }
    return { kind: 'anonymous' };
  }
}

export const READ_VERBS = new Set(['get', 'list', 'watch']);
