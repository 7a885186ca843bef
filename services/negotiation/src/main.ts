import { bootstrapService } from '@datawell/config';
import { AppModule } from './app.module';

void bootstrapService('negotiation', AppModule.forConfig);
