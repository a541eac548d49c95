//! Prometheus metrics: request counts and latencies by route and status,
//! connection-pool usage and SQL statement counts.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::store::{DbPool, QueryCounter};

/// The service's metrics registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_available: IntGauge,
    pool_waiting: IntGauge,
    pool_max: IntGauge,
    queries: IntGauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new_custom(Some("trustplan".into()), None).unwrap_or_default();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method and route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let gauge = |name: &str, help: &str| {
            IntGauge::new(name, help).unwrap_or_else(|_| unreachable_metric())
        };
        let m = Metrics {
            requests,
            latency,
            pool_size: gauge("db_pool_connections", "Open connections in the pool"),
            pool_available: gauge("db_pool_available", "Idle connections in the pool"),
            pool_waiting: gauge("db_pool_waiting", "Requests waiting for a connection"),
            pool_max: gauge("db_pool_max_size", "Largest the pool may grow"),
            queries: gauge("db_queries_total", "SQL statements run since start"),
            registry,
        };
        let _ = m.registry.register(Box::new(m.requests.clone()));
        let _ = m.registry.register(Box::new(m.latency.clone()));
        for g in [
            &m.pool_size,
            &m.pool_available,
            &m.pool_waiting,
            &m.pool_max,
            &m.queries,
        ] {
            let _ = m.registry.register(Box::new(g.clone()));
        }
        m
    }

    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, pool: &DbPool, queries: &QueryCounter) -> String {
        let status = pool.status();
        self.pool_size.set(status.size as i64);
        self.pool_available.set(status.available as i64);
        self.pool_waiting.set(status.waiting as i64);
        self.pool_max.set(status.max_size as i64);
        self.queries.set(queries.get() as i64);
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

// The metric definitions above are constants; they only fail on an invalid
// name, which a test of `Metrics::new` would show at once.
#[allow(clippy::panic)]
fn unreachable_metric<T>() -> T {
    panic!("invalid metric definition")
}

#[cfg(test)]
mod tests {
    #[test]
    fn metrics_are_defined_validly() {
        let m = super::Metrics::new();
        m.observe("GET", "/x", 200, 0.01);
    }
}
