import http from 'node:http';

const MB = 1024 * 1024;

/**
 * Sends `totalBytes` of body without credentials, 1 MB at a time, as fast as the server takes
 * them, and stops when the response arrives. Returns the status and how many bytes the client
 * had handed to the socket by then: a server that reads the body before checking credentials
 * cannot answer before (nearly) all of it was sent.
 */
export function sendLargeBody(
  url: string,
  method: string,
  totalBytes: number,
  authorization?: string,
): Promise<{ status: number; sentAtResponse: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(totalBytes),
        ...(authorization ? { Authorization: authorization } : {}),
      },
    });
    const chunk = Buffer.alloc(MB, 0x20);
    let sent = 0;
    let responded = false;
    req.on('response', res => {
      responded = true;
      const sentAtResponse = sent;
      res.resume();
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentAtResponse });
      });
    });
    req.on('error', error => {
      if (!responded) reject(error);
    });
    const pump = () => {
      while (!responded && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!responded) req.end();
    };
    pump();
  });
}
