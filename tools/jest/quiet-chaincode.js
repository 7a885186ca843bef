// fabric-contract-api logs every decorator at info level when a contract module loads; tests keep
// warnings and errors only.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = process.env.CORE_CHAINCODE_LOGGING_LEVEL || 'warning';
