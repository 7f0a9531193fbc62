//! What a client is built from: the base URL and key, timeouts, the retry policy, and idempotency keys.

use std::time::Duration;

use serde::Serialize;
use url::Url;

use super::super::error::Error;
use crate::secret::SecretKey;

/// How hard the client tries before reporting a failure.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is shortened to it: a kiosk customer will not wait minutes.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            min_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub base_url: Url,
    pub secret_key: SecretKey,
    pub connect_timeout: Duration,
    /// Limit for one attempt, from sending the request to the end of the body.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(base_url: Url, secret_key: SecretKey) -> Self {
        Self {
            base_url,
            secret_key,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

/// The `Idempotency-Key` of one logical POST: every retry of that request carries the same key, so the
/// provider creates at most one object however often the network fails.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn generate() -> Self {
        Self(format!("wk-{}", uuid::Uuid::new_v4()))
    }

    /// Restores a key recorded earlier (for example before a crash), to replay the same request.
    pub fn from_recorded(key: &str) -> Result<Self, Error> {
        if key.is_empty() || key.len() > 255 || !key.is_ascii() {
            return Err(Error::InvalidInput(format!(
                "idempotency key must be 1 to 255 ASCII characters, got {} bytes",
                key.len()
            )));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
