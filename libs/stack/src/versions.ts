/**
 * Pinned versions of every native component. Fabric's go.mod has no /v3 suffix, so its v3 tags are
 * not module versions: the release is pinned by the pseudo-version of its tag's commit.
 */
export const VERSIONS = {
  fabric: {
    release: 'v3.1.1',
    module: 'github.com/hyperledger/fabric',
    version: 'v1.4.0-rc1.0.20250510200036-435a7f1a780a',
    commands: ['peer', 'orderer', 'configtxgen', 'configtxlator', 'osnadmin'],
  },
  fabricCa: {
    release: 'v1.5.15',
    module: 'github.com/hyperledger/fabric-ca',
    version: 'v1.5.15',
    commands: ['fabric-ca-server', 'fabric-ca-client'],
  },
  opentofu: {
    release: 'v1.10.6',
    module: 'github.com/opentofu/opentofu',
    version: 'v1.10.6',
    commands: ['tofu'],
    // Without this the binary calls itself a -dev prerelease.
    ldflags: '-X github.com/opentofu/opentofu/version.dev=no',
  },
  kafka: { release: '3.9.1', scala: '2.13', slf4jBinding: 'org.slf4j:slf4j-reload4j:1.7.36' },
  debian: { postgres: 'postgresql', redis: 'redis-server' },
  // The API fuzzer of the integration tier (tools/cli/test/integration/schemathesis.test.ts), from PyPI
  // into a virtualenv; docs/security.md says why this version.
  schemathesis: { release: '4.32.5' },
} as const;

export type GoComponent = 'fabric' | 'fabricCa' | 'opentofu';
