import { runServiceMain } from '@chat/service-runtime';
import { ticketsService } from './service.ts';

await runServiceMain(ticketsService);
