import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { provisionerService } from './config';

void bootstrapService(provisionerService, AppModule.forConfig);
