import { Module } from '@nestjs/common';
import { ProvisionerRuntime } from './provisioner.runtime';
import { ProvisioningController } from './provisioning.controller';

@Module({ controllers: [ProvisioningController], providers: [ProvisionerRuntime], exports: [ProvisionerRuntime] })
export class ProvisioningModule {}
