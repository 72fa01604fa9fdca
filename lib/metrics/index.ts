/** Prometheus metrics of the validator and its workers (prom-client): one registry per process. */
export { FlockMetrics, serveMetrics, type MetricsServer } from './flock-metrics.js'
export { countChainErrors } from './chain-metrics.js'
