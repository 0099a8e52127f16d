// Lint: TypeScript rules plus the architecture of docs/adr/0001-monorepo-and-runtime.md and 0016-enforced-layers.md.
import tseslint from 'typescript-eslint';
import architecture from './eslint-rules/architecture.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'apps/*/dist/**', '.cache/**', '.data/**', 'libs/contracts/src/generated/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Services import libs and their own code only; libs import no service; layers point inwards; the domain
    // is pure (eslint-rules/architecture.mjs; each rule's firing is tested in eslint-rules/architecture.spec.ts).
    files: ['services/**/*.{ts,mts,cts,js,mjs,cjs}', 'libs/**/*.{ts,mts,cts,js,mjs,cjs}'],
    plugins: { architecture },
    rules: {
      'architecture/service-boundaries': 'error',
      'architecture/layers': 'error',
    },
  },
  {
    files: ['services/*/src/domain/**/*.ts'],
    ignores: ['services/*/src/domain/**/*.spec.ts'],
    plugins: { architecture },
    rules: { 'architecture/domain-purity': 'error' },
  },
  {
    // Application code reaches storage, messaging and other services through ports (ADR 0009): no driver, no
    // Emmett PostgreSQL store, no token of the pool or the raw store. The adapters in infrastructure/ name them.
    files: ['services/*/src/application/**/*.ts'],
    ignores: ['services/*/src/application/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['pg', 'kafkajs', '@grpc/grpc-js', '@event-driven-io/emmett-postgresql'].map((name) => ({ name, message: 'Application code uses a port (an abstract class in application/ or a lib); the adapter in infrastructure/ uses the driver (ADR 0009).' })),
            { name: '@varde/platform', importNames: ['DB_POOL', 'EVENT_STORE'], message: 'Inject the port (EventStore, Transactions from @varde/event-sourcing, or one of the service), not the pool or the raw store (ADR 0009).' },
          ],
        },
      ],
    },
  },
  {
    // Every PostgreSQL connection the platform opens comes from @varde/database's createPool / createClient, which
    // give it the error listener without which a database restart ends the process (issue #14 item 11); every
    // transaction is run by its inTransaction (committed, or rolled back and the error passed on), not by hand.
    files: ['services/*/src/**/*.ts', 'libs/*/src/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/database/src/connections.ts', 'libs/database/src/transactions.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.property.name=/^(Pool|Client)$/][callee.object.name='pg']",
          message: 'Open PostgreSQL connections with createPool / createClient from @varde/database (they survive a database restart).',
        },
        {
          selector: "CallExpression[callee.property.name='query'][arguments.0.value=/^\\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|SAVEPOINT|RELEASE)\\b/i]",
          message: 'Run transactions with inTransaction from @varde/database (it commits, or rolls back and passes the error on), a part of one with inSavepoint.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'tests/**/*.ts', 'scripts/**/*.ts', 'deploy/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
