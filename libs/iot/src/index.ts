export { SealedReadingError, type SealedReadingErrorCode } from './errors';
export { generateReadingsKeyPair, publicKeyBase64, rawPublicKey, readingsPublicKeyPem, type ReadingsKeyPair } from './keys';
export {
  isSealedReading,
  openReading,
  readingInfo,
  readingsOpener,
  sealReading,
  SEALED_READING_CONTENT_TYPE,
  SEALED_READING_SUITE,
  SEALED_READING_TYPE,
  type Reading,
  type ReadingContext,
  type ReadingsOpener,
  type SealedReading,
} from './sealed-reading';
export { openReadingsProducer, type ReadingsProducer, type ReadingsProducerOptions } from './producer';
