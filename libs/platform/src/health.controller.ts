import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Public } from '@varde/auth';
import { HealthRegistry, MetricsRegistry } from '@varde/telemetry';
import type { FastifyReply } from 'fastify';

/** Liveness, readiness and Prometheus metrics; open to the orchestrator without a token. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {}

  /** `200` while the process answers: the liveness (and start-up) probe. */
  @Get('health/live')
  live() {
    return this.health.live();
  }

  /** `200 {status: 'ok', checks}` when the database (and Kafka) can be reached, `503` naming the failing check otherwise and from the moment shutdown begins: the readiness probe. */
  @Get(['health/ready', 'health'])
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.ready();
    await reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }

  /** Prometheus metrics in the text exposition format. */
  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const rendered = await this.metrics.render();
    await reply.header('content-type', rendered.contentType).send(rendered.body);
  }
}
