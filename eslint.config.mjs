import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import datawell from './tools/eslint/no-import-cycle.mjs';
import { ledgerNameRestrictions } from './tools/eslint/ledger-names.mjs';

// Module boundaries are the architecture: services never import each other, libs never import
// services, chaincode only uses the pure domain library.
export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.stack/**', '.stack-e2e/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    // CommonJS glue loaded by jest and build scripts.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { jest: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            // Workload programs (workloads/*) run in a member's domain beside the services: libraries only.
            { sourceTag: 'type:workload', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            // The console (apps/console) runs in a browser and talks to the services over HTTP only.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:chaincode', onlyDependOnLibsWithTags: ['scope:pure'] },
            { sourceTag: 'scope:pure', onlyDependOnLibsWithTags: ['scope:pure'] }
          ]
        }
      ]
    }
  },
  {
    // No import cycle anywhere, within a project or across projects (@datawell/* resolve through the
    // tsconfig paths to their sources), type-only imports included (tools/eslint/no-import-cycle.mjs).
    files: ['**/*.ts'],
    plugins: { datawell },
    rules: { 'datawell/no-import-cycle': 'error' },
  },
  {
    // The console's browser tests run the real marketplace and negotiation services, and the
    // operator's administration routes of the ledger bridge, through those services' own test
    // harnesses (one harness, not a copy): these imports across projects are allowed, in tests only.
    files: ['apps/console/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['../../../../services/marketplace/test/integration/harness', '../../../../services/negotiation/test/integration/harness', '../../../../services/ledger-bridge/test/integration/harness'],
          depConstraints: [{ sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] }],
        },
      ],
    },
  },
  {
    // Live feedback, and telemetry's abandonment of a member that never registers its workload, run
    // the service on the topics of a real ledger bridge in-process (issue 13: nothing synthetic):
    // these tests alone import the bridge and its test harness.
    files: ['services/marketplace/test/integration/feedback-live.test.ts', 'services/telemetry/test/integration/registration-grace.test.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [
            '../../../ledger-bridge/src/admin/fabric-admin.adapter',
            '../../../ledger-bridge/src/ledger-bridge',
            '../../../ledger-bridge/test/integration/harness',
            // Feedback and offers signed through each member's own bridge (its domain's member API).
            '../../../ledger-bridge/src/member-network/member-feedback',
            '../../../ledger-bridge/src/member-network/member-offers.controller',
          ],
          depConstraints: [{ sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] }],
        },
      ],
    },
  },
  {
    // The API security matrix and the schemathesis run boot every service in-process and call each
    // route of its own OpenAPI document (and proto) (issue 11): their list of the six services
    // (all-services.ts, booted by libs/testing bootAllServices) alone imports the services' app modules, in tests.
    files: ['tools/cli/test/integration/all-services.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [
            '../../../../services/ledger-bridge/src/app.module',
            '../../../../services/ledger-bridge/src/config',
            '../../../../services/ledger-bridge/src/wallet/wallet.adapter',
            '../../../../services/marketplace/src/app.module',
            '../../../../services/marketplace/src/config',
            '../../../../services/marketplace/src/grpc/marketplace.grpc',
            '../../../../services/mpc-coordinator/src/app.module',
            '../../../../services/mpc-coordinator/src/config',
            '../../../../services/mpc-coordinator/src/grpc/coordinator.grpc',
            '../../../../services/negotiation/src/app.module',
            '../../../../services/negotiation/src/config',
            '../../../../services/negotiation/src/grpc/negotiation.grpc',
            '../../../../services/provisioner/src/app.module',
            '../../../../services/provisioner/src/config',
            '../../../../services/provisioner/src/grpc/provisioner.grpc',
            '../../../../services/telemetry/src/app.module',
            '../../../../services/telemetry/src/config',
            '../../../../services/telemetry/src/grpc/telemetry.grpc',
          ],
          depConstraints: [{ sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] }],
        },
      ],
    },
  },
  {
    // A chaincode's integration tests run it on the real network, so they use the I/O libraries
    // (the stack, the gateway, the test harness); the chaincode itself stays on pure libraries.
    files: ['chaincode/**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: [{ sourceTag: 'type:chaincode', onlyDependOnLibsWithTags: ['type:lib'] }] },
      ],
    },
  },
  {
    // One composition pattern (CONTRIBUTING.md, "How a service is composed"): controllers and gRPC
    // handlers inject the feature services they call, never the service's composition root
    // (src/<name>.ts) or a runtime object.
    files: ['services/*/src/**/*.controller.ts', 'services/*/src/**/*.grpc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\./|(\\.\\./)+)(ledger-bridge|marketplace|mpc-coordinator|negotiation|provisioner|telemetry)$|\\.runtime$',
              message: 'A controller or gRPC handler injects the feature services it calls, not the composition root or a runtime (CONTRIBUTING.md, How a service is composed).',
            },
          ],
        },
      ],
    },
  },
  {
    // Ledger names are written once, in the catalogue (issue 10): no dao/marketplace transaction or
    // event name as a string literal in other sources; tests may still use them.
    files: ['**/*.ts'],
    ignores: ['libs/contracts/src/ledger/catalogue/**', '**/*.spec.ts', '**/*.spec-helper.ts', '**/test/**'],
    rules: { 'no-restricted-syntax': ['error', ...ledgerNameRestrictions] },
  },
];
