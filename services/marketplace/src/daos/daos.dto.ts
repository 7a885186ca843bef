import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI shapes of the public DAO directory's answers (see common.dto.ts): what directory.ts builds, no β, no amounts. */
export class DaoDirectoryVersionDto {
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'dao-<daoId>-v<version>' }) channel!: string;
  @ApiProperty({ enum: ['active', 'dissolved'] }) status!: 'active' | 'dissolved';
  @ApiProperty({ description: 'a later version was published' }) superseded!: boolean;
  @ApiProperty({ type: [String], description: 'the member MSP ids this version was published with' }) members!: string[];
}

export class DaoDirectoryMemberDto {
  @ApiProperty() mspId!: string;
  @ApiProperty({ type: [String], description: 'the channels of the published versions that name it' }) channels!: string[];
}

export class DaoDirectoryEntryDto {
  @ApiProperty() daoId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ enum: ['active', 'dissolved'] }) status!: 'active' | 'dissolved';
  @ApiProperty() topVersion!: number;
  @ApiProperty() topChannel!: string;
  @ApiProperty({ description: 'the DSP that published the latest version' }) publishedBy!: string;
  @ApiProperty({ description: 'ledger time of the latest publication, ms since the epoch' }) updatedAtMs!: number;
  @ApiProperty({ type: [DaoDirectoryVersionDto], description: 'every published version, oldest first; all but the latest are superseded' }) versions!: DaoDirectoryVersionDto[];
  @ApiProperty({ type: [DaoDirectoryMemberDto], description: 'every member of any published version, in order of first appearance' }) members!: DaoDirectoryMemberDto[];
}

export class DaoDirectoryListDto {
  @ApiProperty({ description: 'the MSP id asked for' }) member!: string;
  @ApiProperty({ type: [DaoDirectoryEntryDto], description: 'the most recently published first' }) daos!: DaoDirectoryEntryDto[];
}
