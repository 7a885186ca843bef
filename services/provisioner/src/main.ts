import { bootstrapService } from '@datawell/config';
import { AppModule } from './app.module';

void bootstrapService('provisioner', AppModule.forConfig);
