//! One way to build a checkout engine for tests: a client for the simulator with quick retries, short polls,
//! and a journal in the test's state directory. Each test states only what it is about.

use std::path::Path;
use std::time::Duration;

use wooshpay_kiosk::checkout::{CheckoutEngine, EngineSettings, PriceBook, Timing};
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal};
use wooshpay_kiosk::secret::SecretKey;
use wooshpay_kiosk::wooshpay::{Client, ClientConfig, RetryPolicy};

pub struct TestEngine {
    base_url: String,
    retry: RetryPolicy,
    request_timeout: Option<Duration>,
    poll_interval: Duration,
    timeout: Duration,
    close_grace: Option<Duration>,
    kiosk_id: String,
    tax: wooshpay_kiosk::tax::TaxSettings,
}

impl TestEngine {
    /// Two quick retries (20–100 ms, `Retry-After` capped at 1 s), polls every 100 ms, a 60 s sale timeout.
    pub fn new(base_url: &str, kiosk_id: &str) -> Self {
        Self {
            base_url: base_url.into(),
            retry: RetryPolicy {
                max_retries: 2,
                min_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
                max_retry_after: Duration::from_secs(1),
            },
            request_timeout: None,
            poll_interval: Duration::from_millis(100),
            timeout: Duration::from_secs(60),
            close_grace: None,
            kiosk_id: kiosk_id.into(),
            tax: wooshpay_kiosk::tax::TaxSettings::default(),
        }
    }

    /// Retries after the first attempt, and the backoff's bounds.
    pub fn retries(mut self, max_retries: usize, min_delay_ms: u64, max_delay_ms: u64) -> Self {
        self.retry.max_retries = max_retries;
        self.retry.min_delay = Duration::from_millis(min_delay_ms);
        self.retry.max_delay = Duration::from_millis(max_delay_ms);
        self
    }

    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.retry.max_retry_after = cap;
        self
    }

    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How often the sale is polled and when the kiosk gives up on it.
    pub fn polls(mut self, interval: Duration, timeout: Duration) -> Self {
        self.poll_interval = interval;
        self.timeout = timeout;
        self
    }

    /// `[checkout]`'s tax for the engine's sales.
    pub fn tax(mut self, tax: wooshpay_kiosk::tax::TaxSettings) -> Self {
        self.tax = tax;
        self
    }

    pub fn close_grace(mut self, grace: Duration) -> Self {
        self.close_grace = Some(grace);
        self
    }

    pub fn client(&self) -> Client {
        let mut config = ClientConfig::new(
            self.base_url.parse().unwrap(),
            SecretKey::parse(super::KEY).unwrap(),
        );
        config.retry = self.retry.clone();
        if let Some(timeout) = self.request_timeout {
            config.request_timeout = timeout;
        }
        Client::new(config).unwrap()
    }

    /// The engine, journalling into `state`, running its sales on `runtime`.
    pub fn build(&self, state: &Path, runtime: tokio::runtime::Handle) -> CheckoutEngine {
        let mut timing = Timing::new(self.poll_interval, self.timeout);
        if let Some(grace) = self.close_grace {
            timing.close_grace = grace;
        }
        CheckoutEngine::new(
            self.client(),
            EngineSettings {
                timing,
                success_url: "https://shop.example/ok".into(),
                cancel_url: "https://shop.example/no".into(),
                kiosk_id: self.kiosk_id.clone(),
                tax: self.tax.clone(),
            },
            PriceBook::default(),
            Journal::open(&state.join(JOURNAL_FILE)).unwrap(),
            runtime,
        )
    }
}
