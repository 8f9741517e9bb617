/*
 * One whole-app test at a time. Jest runs two test files at once on this 2-core machine; two
 * Backstage apps (dev server, backend, Chromium, the rig) side by side starve each other and the
 * browser steps time out. Each e2e file holds this slot while its app runs; the unit tests keep
 * the other worker. The slot is a directory made atomically under TMPDIR with its holder's pid,
 * taken over when that process is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest wait for the slot: every other e2e file in turn (their own timeouts are larger). */
export const E2E_SLOT_WAIT_MS = 12 * 60_000;

const slotDir = () =>
  path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-slot');

function holderAlive(dir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    if (!pid) return true; // being written: treat as held
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the slot and returns its release (idempotent). */
export async function acquireE2eSlot(
  label: string,
  waitMs = E2E_SLOT_WAIT_MS,
): Promise<() => void> {
  const dir = slotDir();
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      fs.writeFileSync(path.join(dir, 'label'), label);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(dir, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // a holder that died without releasing (killed worker) leaves the slot to the next
    if (fs.existsSync(path.join(dir, 'pid')) && !holderAlive(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const holder = fs.existsSync(path.join(dir, 'label'))
        ? fs.readFileSync(path.join(dir, 'label'), 'utf8')
        : 'unknown';
      throw new Error(
        `${label}: waited ${
          waitMs / 1000
        } s for the e2e slot, still held by ${holder} (${dir})`,
      );
    }
    await sleep(500);
  }
}
