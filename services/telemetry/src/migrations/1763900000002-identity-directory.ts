import { CreateIdentityDirectory } from '@datawell/auth';

export class CreateTelemetryIdentityDirectory1763900000002 extends CreateIdentityDirectory {}
