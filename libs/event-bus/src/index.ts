export * from './types.ts';
export { createRabbitBus, BusUnavailableError, DEFAULT_EXCHANGE, type RabbitBusOptions } from './rabbit-bus.ts';
export { createInProcessBus, UnroutableEventError, type InProcessBusOptions } from './in-process-bus.ts';
export { UnroutableMessageError, PublishTimeoutError } from './rabbit/publisher.ts';
export { consumerQueueNames, type ConsumerQueueNames } from './rabbit/topology.ts';
export { topicMatches } from './topic-pattern.ts';
export { DEFAULT_PREFETCH, DEFAULT_RETRY_DELAYS_MS, DEFAULT_DELIVERY_LIMIT } from './delivery.ts';
