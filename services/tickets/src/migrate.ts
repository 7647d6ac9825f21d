import { runMigrationsMain } from '@chat/service-runtime';
import { ticketsService } from './service.ts';

await runMigrationsMain(ticketsService);
