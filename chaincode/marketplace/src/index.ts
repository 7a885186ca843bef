import { MarketplaceContract } from './marketplace.contract';

export { MarketplaceContract };
export const contracts = [MarketplaceContract];
