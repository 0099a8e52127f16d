// Lint: TypeScript rules plus the module boundaries of docs/adr/0001-monorepo.md.
import tseslint from 'typescript-eslint';

const SERVICES = ['forms', 'measurements', 'triage', 'pathways', 'sharing'];

/** A service may import libs and its own code, never another service. */
const serviceBoundaries = SERVICES.map((service) => ({
  files: [`services/${service}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: SERVICES.filter((other) => other !== service).flatMap((other) => [
          { group: [`@varde/${other}`, `@varde/${other}/*`], message: 'Services talk over events and gRPC only (architecture.md).' },
          { group: [`**/services/${other}/**`, `../../${other}/**`, `../../../${other}/**`], message: 'Services talk over events and gRPC only (architecture.md).' },
        ]),
      },
    ],
  },
}));

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
  ...serviceBoundaries,
  {
    // The domain is pure: no framework, no driver, no I/O, no other layer.
    files: ['services/*/src/domain/**/*.ts'],
    ignores: ['services/*/src/domain/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!@varde/core$|\\./|\\.\\./domain/|node:assert$)', message: 'A domain imports only @varde/core and its own domain files (architecture.md: pure deciders).' },
            { group: ['../application/*', '../infrastructure/*', '../api/*', '../../*'], message: 'The domain imports no other layer.' },
          ],
        },
      ],
    },
  },
  {
    // Libraries hold no domain logic of any service.
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@varde/forms', '@varde/measurements', '@varde/triage', '@varde/pathways', '@varde/sharing', '**/services/**'], message: 'libs must not depend on services.' }] }],
    },
  },
  {
    files: ['**/*.spec.ts', 'tests/**/*.ts', 'scripts/**/*.ts', 'deploy/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
