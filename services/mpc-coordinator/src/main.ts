import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { mpcCoordinatorService } from './config';

void bootstrapService(mpcCoordinatorService, AppModule.forConfig);
