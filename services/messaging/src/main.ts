import { runServiceMain } from '@chat/service-runtime';
import { messagingService } from './service.ts';

await runServiceMain(messagingService);
