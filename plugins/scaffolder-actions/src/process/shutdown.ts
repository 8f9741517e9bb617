/**
 * Stops the tools the actions started when the backend shuts down. Terraform runs in its own
 * process group (so a task's cancel reaches its providers), which also means it would outlive
 * the backend and keep its state lock: on shutdown every running tool gets the same stop as a
 * cancel (SIGINT, so Terraform writes its state and unlocks; then SIGTERM, SIGKILL), and the
 * backend's shutdown waits for them.
 */
export class ToolShutdown {
  readonly #controller = new AbortController();
  readonly #running = new Set<Promise<unknown>>();

  /** Aborted when the backend shuts down. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The task's signal and the shutdown signal in one. */
  combine(taskSignal?: AbortSignal): AbortSignal {
    return taskSignal
      ? AbortSignal.any([taskSignal, this.#controller.signal])
      : this.#controller.signal;
  }

  /** Keeps `run` until it settles, so {@link shutdown} can wait for it. */
  track<T>(run: Promise<T>): Promise<T> {
    this.#running.add(run);
    const forget = () => this.#running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Stops every tracked run and waits until each has exited. */
  async shutdown(): Promise<void> {
    this.#controller.abort(new Error('the backend is shutting down'));
    await Promise.allSettled([...this.#running]);
  }
}
