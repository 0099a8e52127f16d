import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '@varde/auth';
import { EventStore, PostgresEventStoreAdapter, PostgresTransactions, Transactions } from '@varde/event-sourcing';
import { MessageBus } from '@varde/messaging';
import { HealthRegistry, MetricsRegistry } from '@varde/telemetry';
import { HealthController } from './health.controller';
import { HttpExceptionFilter } from './http-exception.filter';
import { closeInfrastructure, type Infrastructure } from './infrastructure';
import { ProcessedMessagesPruner } from './processed-messages-pruner';
import { DB_POOL, EVENT_STORE, INFRASTRUCTURE, LOGGER, PLATFORM_CONFIG } from './tokens';


/** Makes the shared infrastructure injectable everywhere in a service and closes it last at shutdown. */
@Global()
@Module({})
export class PlatformModule implements OnApplicationShutdown {
  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {}

  /** Registers config, logger, metrics, health, database pool, event store, bus, auth and error mapping. */
  static forRoot(infra: Infrastructure): DynamicModule {
    return {
      module: PlatformModule,
      imports: [AuthModule.forRoot(infra.config.auth)],
      controllers: [HealthController],
      providers: [
        { provide: INFRASTRUCTURE, useValue: infra },
        { provide: PLATFORM_CONFIG, useValue: infra.config },
        { provide: LOGGER, useValue: infra.logger },
        { provide: MetricsRegistry, useValue: infra.metrics },
        { provide: HealthRegistry, useValue: infra.health },
        { provide: DB_POOL, useValue: infra.pool },
        { provide: EVENT_STORE, useValue: infra.eventStore },
        // The ports application code uses (a service may bind EventStore to a wrapped store in its own module).
        { provide: EventStore, useFactory: () => new PostgresEventStoreAdapter(infra.eventStore, infra.pool) },
        { provide: Transactions, useFactory: () => new PostgresTransactions(infra.pool) },
        { provide: MessageBus, useValue: infra.bus },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        ProcessedMessagesPruner,
      ],
      exports: [INFRASTRUCTURE, PLATFORM_CONFIG, LOGGER, MetricsRegistry, HealthRegistry, DB_POOL, EVENT_STORE, EventStore, Transactions, MessageBus],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeInfrastructure(this.infra);
  }
}
