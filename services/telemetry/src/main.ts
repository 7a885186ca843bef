import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { telemetryService } from './config';

void bootstrapService(telemetryService, AppModule.forConfig);
