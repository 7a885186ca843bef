export { bootstrapService, createServiceApp, type AppModuleFactory } from './bootstrap';
export { CreateServiceSchema } from './create-schema.migration';
export { DependencyIndicators } from './dependency-indicators';
export { enabledLevels, ServiceLogger } from './logger';
export { ServicePlatformModule, type ServicePlatformOptions } from './service-platform.module';
export { KAFKA, REDIS, SERVICE_CONFIG } from './tokens';
