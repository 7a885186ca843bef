import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { negotiationService } from './config';

void bootstrapService(negotiationService, AppModule.forConfig);
