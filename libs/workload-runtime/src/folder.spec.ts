import { codeRootOf, workloadProgramArgs } from './folder';

describe('workload programs', () => {
  it('are started compiled from the compiled tree', () => {
    const code = codeRootOf('/repo/dist/services/provisioner/src/provisioner.js', 3);
    expect(code).toEqual({ root: '/repo/dist', ext: '.js' });
    expect(workloadProgramArgs(code, 'launcher')).toEqual(['/repo/dist/workloads/supervisor/src/launch.main.js']);
    expect(workloadProgramArgs(codeRootOf('/repo/dist/workloads/supervisor/src/workload.main.js', 3), 'mpcNode')).toEqual(['/repo/dist/workloads/mpc-node/src/main.js']);
  });

  it('are started from sources through @swc-node/register when the caller runs from sources', () => {
    const code = codeRootOf('/repo/workloads/supervisor/src/launch.main.ts', 3);
    expect(workloadProgramArgs(code, 'supervisor')).toEqual(['-r', '@swc-node/register', '/repo/workloads/supervisor/src/supervisor.main.ts']);
  });
});
