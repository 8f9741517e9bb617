import {
  chooseBootstrapConcurrency,
  ControllerResources,
  FDS_PER_NODE,
  MAX_BOOTSTRAP_CONCURRENCY,
  MEMORY_PER_NODE,
  NODES_PER_CPU,
  readControllerResources,
} from './concurrency';

const GiB = 2 ** 30;
/** A 2-CPU controller with plenty of memory and descriptors (this test machine's shape). */
const roomy: ControllerResources = {
  cpus: 2,
  availableMemoryBytes: 8 * GiB,
  fdLimit: 20000,
  openFds: 60,
};

describe('chooseBootstrapConcurrency', () => {
  it('works on every node in one round when the controller can afford it (100 nodes: one round, not two of 50)', () => {
    expect(chooseBootstrapConcurrency(100, roomy)).toEqual({
      concurrency: 100,
      reason: 'all 100 nodes in one round',
    });
    expect(chooseBootstrapConcurrency(1, roomy)).toEqual({
      concurrency: 1,
      reason: 'all 1 node in one round',
    });
  });

  it('is bounded by the file descriptors: half of the free ones, FDS_PER_NODE each', () => {
    const choice = chooseBootstrapConcurrency(100, {
      ...roomy,
      fdLimit: 256,
      openFds: 56,
    });
    expect(choice.concurrency).toBe(Math.floor(200 / 2 / FDS_PER_NODE));
    expect(choice.reason).toBe(
      '50 of 100 nodes at once, limited by file descriptors (soft limit 256, 56 open; half of the rest at 2 per node)',
    );
  });

  it('is bounded by memory: a quarter of what is available, MEMORY_PER_NODE each', () => {
    const choice = chooseBootstrapConcurrency(100, {
      ...roomy,
      availableMemoryBytes: 40 * MEMORY_PER_NODE * 4,
    });
    expect(choice.concurrency).toBe(40);
    expect(choice.reason).toMatch(
      /^40 of 100 nodes at once, limited by memory/,
    );
  });

  it('is bounded by CPUs and by the input schema maximum', () => {
    const one = chooseBootstrapConcurrency(150, { ...roomy, cpus: 1 });
    expect(one.concurrency).toBe(NODES_PER_CPU);
    expect(one.reason).toMatch(/limited by CPU \(1 CPUs/);
    const many = chooseBootstrapConcurrency(500, { ...roomy, cpus: 16 });
    expect(many.concurrency).toBe(MAX_BOOTSTRAP_CONCURRENCY);
    expect(many.reason).toMatch(/limited by the upper bound of 200$/);
  });

  it('never goes below one, even with nothing to spare', () => {
    expect(
      chooseBootstrapConcurrency(10, {
        cpus: 1,
        availableMemoryBytes: 0,
        fdLimit: 64,
        openFds: 80,
      }).concurrency,
    ).toBe(1);
  });
});

describe('readControllerResources', () => {
  it("reads this process's CPUs, memory and descriptors", () => {
    const r = readControllerResources();
    expect(r.cpus).toBeGreaterThanOrEqual(1);
    expect(r.availableMemoryBytes).toBeGreaterThan(0);
    expect(r.fdLimit).toBeGreaterThan(r.openFds);
    expect(r.openFds).toBeGreaterThan(2);
  });
});
