import { loadSettings, memberBridgeGrpcPort, memberServiceGrpcAddress, memberServicePorts } from '@datawell/stack';
import { describeMemberService } from './domain';

describe('./dev domain services: each member service with its HTTP URL and, for the ledger bridge, its gRPC address', () => {
  const settings = loadSettings('/repo', { DATAWELL_STACK_DIR: '/srv/stack', DATAWELL_FABRIC_PORT_BASE: '24000' });

  it("gives the ledger bridge's gRPC at the slot's fourth port, beside its three HTTP ports; the others none", () => {
    const http = memberServicePorts(settings, 1);
    expect(http).toEqual({ 'ledger-bridge': 25004, telemetry: 25005, provisioner: 25006 });
    expect(memberBridgeGrpcPort(settings, 1)).toBe(25007);
    expect(memberServiceGrpcAddress(settings, { index: 1 }, 'ledger-bridge')).toBe('127.0.0.1:25007');
    expect(memberServiceGrpcAddress(settings, { index: 2 }, 'ledger-bridge')).toBe('127.0.0.1:25011');
    expect(memberServiceGrpcAddress(settings, { index: 1 }, 'telemetry')).toBeUndefined();
    expect(memberServiceGrpcAddress(settings, { index: 1 }, 'provisioner')).toBeUndefined();
  });

  it('prints the gRPC address after the HTTP URL where there is one', () => {
    const common = { domain: 'AcmeMSP', healthy: true, pid: 42, detail: 'ok', logFile: '/srv/stack/domains/AcmeMSP/logs/x.log' };
    expect(describeMemberService({ ...common, name: 'ledger-bridge', url: 'http://127.0.0.1:25004', grpcAddress: '127.0.0.1:25007' })).toBe(
      'healthy    AcmeMSP          ledger-bridge  http://127.0.0.1:25004  grpc 127.0.0.1:25007  ok',
    );
    expect(describeMemberService({ ...common, name: 'telemetry', url: 'http://127.0.0.1:25005', healthy: false, detail: 'not running' })).toBe(
      'UNHEALTHY  AcmeMSP          telemetry      http://127.0.0.1:25005  not running',
    );
  });
});
