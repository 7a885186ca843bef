import { bootstrapService } from '@datawell/config';
import { AppModule } from './app.module';

void bootstrapService('mpc-coordinator', AppModule.forConfig);
