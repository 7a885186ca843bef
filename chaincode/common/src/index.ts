/** @datawell/chaincode-common: what Datawell's chaincodes share (no I/O beyond the stub they are given). */
export { canonicalJson, canonicalBytes } from '@datawell/domain';
export { ChaincodeError, invalidArgument, forbidden, notFound, conflict, economics, type ChaincodeErrorCode } from './errors';
export {
  parseArg,
  parseJsonArg,
  idSchema,
  mspIdSchema,
  textSchema,
  digestSchema,
  nonNegativeInt,
  positiveInt,
  ppmSchema,
  amountSchema,
  integerJsonSchema,
  z,
  type IntegerJson,
} from './args';
export { readJson, writeJson, compositeKey, listJson, emitEvent, txTimeMs, callerMsp, requireCaller, queryChaincode, type QueryAnswer } from './ledger';
export { parseTxArgs, parseTxArgsOf, emit, type WireArgs } from './catalogue';
export { PrivateState, sealValue, openValue, emitPrivate, hasUnsealedEvent, sealTransaction, readSealed } from './private';
export { MemoryLedger, type RecordedEvent } from './testing';
