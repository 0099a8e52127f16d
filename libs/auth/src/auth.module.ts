import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { JoseTokenVerifier, TokenVerifier, type TokenVerifierOptions } from './token-verifier';

/** Authentication for a service: provides {@link TokenVerifier} and guards every route by default. */
@Module({})
export class AuthModule {
  /** Trusts tokens from `issuer` for `audience`, verified with the keys at `jwksUrl`. */
  static forRoot(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: TokenVerifier, useValue: new JoseTokenVerifier(options) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TokenVerifier],
    };
  }
}
