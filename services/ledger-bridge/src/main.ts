import { bootstrapService } from '@datawell/service-platform';
import { AppModule } from './app.module';
import { ledgerBridgeService } from './config';

void bootstrapService(ledgerBridgeService, AppModule.forConfig);
