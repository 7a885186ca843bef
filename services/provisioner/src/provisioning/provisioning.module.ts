import { Module } from '@nestjs/common';
import { ProvisionerGrpc } from '../grpc/provisioner.grpc';
import { ProvisionerRuntime } from './provisioner.runtime';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningView } from './provisioning-view.service';

@Module({ controllers: [ProvisioningController], providers: [ProvisionerRuntime, ProvisioningView, ProvisionerGrpc], exports: [ProvisionerRuntime] })
export class ProvisioningModule {}
