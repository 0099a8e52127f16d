import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@varde/messaging';
import type { Infrastructure } from './infrastructure';
import { startServiceConsumer, type TypedHandlers } from './service-consumer';

/**
 * What a consumer group subscribes to and how it handles each integration event type; `runs`: a patient's
 * backlog may be handled in one transaction with a shared run (see ConsumerOptions.runs).
 */
export type ConsumerDefinition = Readonly<{ group: string; topics: readonly string[]; handlers: TypedHandlers; runs?: boolean }>;

/**
 * Base of a service's integration-event consumers: subscribes when the application has started and stops
 * after the message in hand when it shuts down. Subclasses say what they consume in {@link definition}.
 */
export abstract class IntegrationConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  protected constructor(protected readonly infra: Infrastructure) {}

  /** The group, topics and typed handlers. */
  protected abstract definition(): ConsumerDefinition;

  /** Runs before subscribing, e.g. to create a read-model table. */
  protected async prepare(): Promise<void> {}

  async onApplicationBootstrap(): Promise<void> {
    await this.prepare();
    this.subscription = await startServiceConsumer(this.infra, this.definition());
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }
}
