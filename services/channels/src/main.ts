import { runServiceMain } from '@chat/service-runtime';
import { channelsService } from './service.ts';

await runServiceMain(channelsService);
