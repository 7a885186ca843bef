import { ProbeContract } from './probe.contract';

export { ProbeContract };
export const contracts = [ProbeContract];
