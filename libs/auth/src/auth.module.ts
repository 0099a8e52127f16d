import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, ServiceTokenVerifier } from './auth.guard';
import { JoseTokenVerifier, TokenVerifier, type TokenVerifierOptions } from './token-verifier';

/** Authentication for a service: provides {@link TokenVerifier} and guards every route by default. */
@Module({})
export class AuthModule {
  /**
   * Trusts tokens from `issuer` for `audience`, verified with the keys at `jwksUrl`; gRPC calls need a service token
   * for `serviceAudience` (ADR 0013; default: the same audience, for tests that start a module alone).
   */
  static forRoot(options: TokenVerifierOptions & { serviceAudience?: string }): DynamicModule {
    const { serviceAudience, ...users } = options;
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: TokenVerifier, useValue: new JoseTokenVerifier(users) },
        { provide: ServiceTokenVerifier, useValue: new JoseTokenVerifier({ ...users, audience: serviceAudience ?? users.audience }) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TokenVerifier],
    };
  }
}
