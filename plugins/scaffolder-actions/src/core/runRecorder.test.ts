import type { TimelineEventRequest } from '@internal/plugin-kpaas-common';
import type { KpaasBackendClient } from '../backendClient';
import { RunRecorder } from './runRecorder';
import { SecretMasker } from './secretMasker';

// the shape of an OpenSSH key (a PEM frame around several body lines) with canary text for a
// body, like the order fixtures' key: no key material, real or generated, is in this repository
const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'CANARY-SSH-KEY-LINE-1-3c9d0a7e',
  'CANARY-SSH-KEY-LINE-2-58f1b2c4',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

function recorder(options: { failWrites?: boolean; client?: boolean } = {}) {
  const events: Array<{ cluster: string; event: TimelineEventRequest }> = [];
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  const client = {
    async postTimelineEvent(cluster: string, event: TimelineEventRequest) {
      if (options.failWrites) throw new Error('kpaas-backend is down');
      events.push({ cluster, event });
    },
  } as unknown as KpaasBackendClient;
  const r = new RunRecorder({
    phase: 'bootstrap',
    cluster: 'demo',
    client: options.client === false ? undefined : client,
    logger: { info: push, warn: push, error: push },
    taskId: 'task-1',
    secrets: [KEY, 'passphrase-123', undefined],
  });
  return { r, events, lines };
}

describe('RunRecorder', () => {
  it('times each phase, logs it and writes it to the timeline, masked', async () => {
    const { r, events, lines } = recorder();
    await r.phase('connect', async () => {
      r.logger.info(
        'using passphrase-123 and CANARY-SSH-KEY-LINE-2-58f1b2c4',
      );
    });
    r.addSecret('join-token-abcdef');
    await expect(
      r.phase('join workers', async () => {
        throw new Error('token join-token-abcdef refused');
      }),
    ).rejects.toThrow('refused');
    expect(r.phaseTimings.map(p => p.phase)).toEqual([
      'connect',
      'join workers',
    ]);
    expect(r.phaseTimings.every(p => p.seconds >= 0)).toBe(true);
    expect(lines).toContain('using *** and ***');
    expect(lines.join('\n')).not.toMatch(/passphrase-123|join-token-abcdef/);
    expect(events.map(e => [e.cluster, e.event.step, e.event.status])).toEqual([
      ['demo', 'connect', 'succeeded'],
      ['demo', 'join workers', 'failed'],
    ]);
    expect(events[1].event).toMatchObject({
      phase: 'bootstrap',
      taskId: 'task-1',
      summary: 'token *** refused',
    });
    expect(events[1].event.startedAt! <= events[1].event.finishedAt!).toBe(
      true,
    );
  });

  it('only warns when the timeline cannot be written, and writes nothing without a client', async () => {
    const failing = recorder({ failWrites: true });
    await expect(failing.r.phase('cni', async () => 42)).resolves.toBe(42);
    expect(failing.lines.join('\n')).toMatch(
      /could not record "cni" in the kpaas timeline of demo \(continuing\): Error: kpaas-backend is down/,
    );
    const none = recorder({ client: false });
    await none.r.timeline({ step: 'plan', status: 'running' });
    expect(none.events).toEqual([]);
  });
});

describe('SecretMasker', () => {
  it('masks a private key whole and line by line, but not its armor lines', () => {
    const masker = new SecretMasker([KEY]);
    expect(masker.mask(`key:\n${KEY}\n`)).toBe('key:\n***\n');
    expect(
      masker.mask('stderr: CANARY-SSH-KEY-LINE-2-58f1b2c4 was rejected'),
    ).toBe('stderr: *** was rejected');
    expect(masker.mask('-----END OPENSSH PRIVATE KEY-----')).toBe(
      '-----END OPENSSH PRIVATE KEY-----',
    );
  });

  it("masks kubeadm's own token shapes and ignores values too short to be secrets", () => {
    const masker = new SecretMasker(['abc', '']);
    expect(
      masker.mask('kubeadm join --token abcdef.0123456789abcdef --x abc'),
    ).toBe('kubeadm join --token *** --x abc');
    expect(masker.filter('Using certificate key:\n' + 'a'.repeat(64))).toBe(
      'Using certificate key:\n***',
    );
    expect(masker.filter(`--certificate-key ${'b'.repeat(64)}`)).toBe(
      '--certificate-key ***',
    );
  });
});
