import { DaoContract } from './dao.contract';

export { DaoContract };
export const contracts = [DaoContract];
