import { CreateIdentityDirectory } from '@datawell/auth';

export class CreateMpcCoordinatorIdentityDirectory1764000000001 extends CreateIdentityDirectory {}
