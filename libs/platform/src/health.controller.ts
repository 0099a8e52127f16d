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

  @Get('health/live')
  live() {
    return this.health.live();
  }

  @Get(['health/ready', 'health'])
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.ready();
    await reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }

  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const rendered = await this.metrics.render();
    await reply.header('content-type', rendered.contentType).send(rendered.body);
  }
}
