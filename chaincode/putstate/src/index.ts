import { PutStateContract } from './putstate.contract';

export { PutStateContract };
export const contracts = [PutStateContract];
