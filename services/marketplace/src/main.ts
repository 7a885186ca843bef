import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { marketplaceService } from './config';

void bootstrapService(marketplaceService, AppModule.forConfig);
