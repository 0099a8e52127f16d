import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@varde/messaging';
import type { Infrastructure } from './infrastructure';
import { startServiceConsumer, type ConsumerDefinition } from './service-consumer';

/**
 * Base of a service's integration-event consumers: subscribes when the application has started and stops
 * after the message in hand when it shuts down. Subclasses say what they consume in {@link definition}.
 */
export abstract class IntegrationConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;
  private destroyed = false;

  protected constructor(protected readonly infra: Infrastructure) {}

  /** The group, topics and typed handlers. */
  protected abstract definition(): ConsumerDefinition;

  /** Runs before subscribing, e.g. to create a read-model table. */
  protected async prepare(): Promise<void> {}

  async onApplicationBootstrap(): Promise<void> {
    await this.prepare();
    if (await this.infra.bus.isHealthy()) {
      this.subscription = await startServiceConsumer(this.infra, this.definition());
      return;
    }
    // The bus is away at start-up: the service starts anyway (live, not ready, accepting writes into its own log)
    // and this group joins once the bus is back; it reads from the beginning, so nothing published meanwhile is missed.
    this.infra.logger.warn({ group: this.definition().group }, 'message bus unavailable at start-up: consuming starts when it is back');
    void this.subscribeWhenBusIsBack();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.subscription?.stop();
  }

  private async subscribeWhenBusIsBack(): Promise<void> {
    while (!this.destroyed) {
      try {
        const subscription = await startServiceConsumer(this.infra, this.definition());
        if (this.destroyed) await subscription.stop();
        else this.subscription = subscription;
        return;
      } catch (error) {
        this.infra.logger.warn({ err: error, group: this.definition().group }, 'consumer could not join yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }
}
