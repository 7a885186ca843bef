import { MPC_NODE_GLIBC_TUNABLES, mpcNodeProcessEnv } from './malloc';

describe("an MPC node process's environment", () => {
  it("maps allocations of 1 MiB and more on their own, keeps the parent's environment and the node's settings", () => {
    const env = mpcNodeProcessEnv({ PATH: '/usr/bin', HOME: '/w' }, { MPC_NODE_INDEX: '1' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/w', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576', MPC_NODE_INDEX: '1' });
    expect(MPC_NODE_GLIBC_TUNABLES).toBe('glibc.malloc.mmap_threshold=1048576');
  });

  it("keeps a GLIBC_TUNABLES the parent sets", () => {
    expect(mpcNodeProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, {})['GLIBC_TUNABLES']).toBe('glibc.malloc.arena_max=2');
  });
});
