import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A provider network mirror on 127.0.0.1 (https, as Terraform demands, with a self-signed
 * certificate in `caFile` for SSL_CERT_FILE) that answers every request 401, like a mirror
 * that wants a token Terraform was not given.
 */
export async function startRefusingMirror(dir: string): Promise<{
  url: string;
  host: string;
  caFile: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const keyFile = path.join(dir, 'mirror-key.pem');
  const caFile = path.join(dir, 'mirror-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const requests: string[] = [];
  const server = https.createServer(
    { key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) },
    (req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('unauthorized');
    },
  );
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/providers/`,
    host: `127.0.0.1:${port}`,
    caFile,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
