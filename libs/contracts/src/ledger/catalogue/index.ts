/** The ledger catalogue: one typed description per chaincode, the id patterns and the command-id format. */
export * from './define';
export * from './values';
export * from './command-id';
export * from './dao';
export * from './usage';
export * from './marketplace';
export * from './ledger-events';
export * from './private';
