import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { connect } from 'node:tls';

/*
 * The API server's serving certificate, read from a real TLS handshake with the registered
 * endpoint: the date a client sees, whatever kubeadm's files on the control planes say.
 */

/** What the handshake showed. */
export interface ServingCertificate {
  subject?: string;
  notBefore: Date;
  notAfter: Date;
  /** Whether the chain verified against the registered CA (an expired certificate does not). */
  verified: boolean;
  verifyError?: string;
}

export interface ReadServingCertificateOptions {
  /** https://host:port of the API server */
  server: string;
  /** PEM CA the registered connection trusts. */
  caPem?: string;
  /** The cluster networks' lookup (refuses addresses kpaas may not connect to). */
  lookup?: LookupFunction;
  signal?: AbortSignal;
}

/**
 * Connects, completes the handshake, reads the peer certificate's validity and closes. The
 * handshake does not reject an untrusted or expired certificate: its dates are what is
 * reported, and `verified` says whether it chains to the registered CA.
 */
export function readServingCertificate(
  options: ReadServingCertificateOptions,
): Promise<ServingCertificate> {
  const url = new URL(options.server);
  if (url.protocol !== 'https:') {
    return Promise.reject(
      new Error(`${options.server} is not an https:// API server`),
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ca: options.caPem,
      lookup: options.lookup,
      rejectUnauthorized: false,
    });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const onAbort = () =>
      fail(new Error(`TLS handshake with ${url.host} timed out`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      options.signal?.removeEventListener('abort', onAbort);
      const peer = socket.getPeerCertificate();
      socket.end();
      if (!peer || !peer.valid_to) {
        reject(new Error(`${url.host} presented no certificate`));
        return;
      }
      resolve({
        subject: [peer.subject?.CN].flat()[0],
        notBefore: new Date(peer.valid_from),
        notAfter: new Date(peer.valid_to),
        verified: socket.authorized,
        ...(socket.authorizationError
          ? { verifyError: String(socket.authorizationError) }
          : {}),
      });
    });
  });
}
