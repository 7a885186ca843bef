import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the commands routes' responses (see common.dto.ts). */
export class CommandViewDto {
  @ApiProperty() commandId!: string;
  @ApiProperty({ description: 'the chaincode transaction: SubmitFeedback, PostOffer, UpdateOffer, WithdrawOffer, RecordRevenue' }) action!: string;
  @ApiProperty({ enum: ['pending', 'committed', 'failed'] }) status!: 'pending' | 'committed' | 'failed';
  @ApiPropertyOptional({ description: 'the Fabric transaction id (committed; failed once a transaction was endorsed)' }) txId?: string;
  @ApiPropertyOptional({ description: 'committed: the block, decimal' }) blockNumber?: string;
  @ApiPropertyOptional({ description: "failed: the chaincode's code (NOT_FOUND, FORBIDDEN, CONFLICT, INVALID_ARGUMENT) when it refused, else ledgerCode" }) code?: string;
  @ApiPropertyOptional({ description: "failed: the chaincode's message (without its code), else the ledger bridge's" }) message?: string;
  @ApiPropertyOptional({ description: 'failed: where the ledger bridge saw it fail (ENDORSE_ABORTED, MVCC_READ_CONFLICT, WALLET_IDENTITY_NOT_FOUND, …)' }) ledgerCode?: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
