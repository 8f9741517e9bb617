import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TimelineStatus } from '@internal/plugin-kpaas-common';
import type { KpaasBackendClient } from '../backendClient';

/**
 * Writes the provision phase's steps to the cluster's timeline in kpaas-backend. A failed
 * write is a warning: the machines matter more than the timeline.
 */
export class ProvisionTimeline {
  constructor(
    private readonly client: KpaasBackendClient | undefined,
    private readonly cluster: string,
    private readonly logger: LoggerService,
    private readonly taskId?: string,
  ) {}

  async record(
    step: string,
    status: TimelineStatus,
    startedAt: Date,
    summary?: string,
  ): Promise<void> {
    if (!this.client) return;
    try {
      await this.client.postTimelineEvent(this.cluster, {
        phase: 'provision',
        step,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: status === 'running' ? undefined : new Date().toISOString(),
        summary: summary?.slice(0, 2000),
        taskId: this.taskId,
      });
    } catch (e) {
      this.logger.warn(
        `Could not record step "${step}" in the kpaas timeline of ${this.cluster} (provisioning continues): ${e}`,
      );
    }
  }
}
