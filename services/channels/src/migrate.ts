import { runMigrationsMain } from '@chat/service-runtime';
import { channelsService } from './service.ts';

await runMigrationsMain(channelsService);
