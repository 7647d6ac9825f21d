import { runMigrationsMain } from '@chat/service-runtime';
import { messagingService } from './service.ts';

await runMigrationsMain(messagingService);
