export * from './topics.js';
export * from './checkpoints.js';
export * from './ingress.js';
export * from './egress.js';
export * from './topology.js';
export * from './inbox-opener.js';
export * from './client/kafka-port.js';
export * from './client/platformatic-kafka.js';
