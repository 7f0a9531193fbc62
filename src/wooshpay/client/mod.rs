//! HTTP transport: Basic auth, JSON bodies, idempotency keys, timeouts, retries with backoff.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::Method;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::Error;
use super::{
    CheckoutSession, CreateCheckoutSession, CreatePrice, CreateProduct, List, PaymentIntent, Price,
    Product, Refund,
};
use crate::secret::SecretKey;

mod response;
mod settings;

use response::{error_chain, parse_retry_after, read_response, snippet, transport_error};
pub use settings::{ClientConfig, IdempotencyKey, RetryPolicy};

/// A WooshPay API client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
    retry: RetryPolicy,
    /// Overrides the configured per-attempt timeout when set.
    attempt_timeout: Option<Duration>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Installs ring as the process's rustls provider (once; later calls find it there). Every reqwest client
/// needs it before it is built: reqwest is built without a provider of its own (see Cargo.toml).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, basic_auth_header(&config.secret_key)?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("wooshpay-kiosk/", env!("CARGO_PKG_VERSION"))),
        );
        install_tls_provider();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // Every request goes to the configured origin and nowhere else: a redirect could send a POST on as
            // a GET, or hand the kiosk somebody else's session as the answer to its create.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::Transport(format!("could not set up HTTPS: {}", error_chain(&e)))
            })?;
        Ok(Self {
            http,
            base_url: config.base_url,
            retry: config.retry,
            attempt_timeout: None,
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// A client for status polls, sharing this one's connections: one quick retry and a short timeout, because
    /// the next poll is the real retry and a customer must see "connection lost" within seconds, not minutes.
    pub fn for_polling(&self, attempt_timeout: Duration) -> Client {
        Client {
            http: self.http.clone(),
            base_url: self.base_url.clone(),
            retry: RetryPolicy {
                max_retries: 1,
                ..self.retry.clone()
            },
            attempt_timeout: Some(attempt_timeout),
        }
    }

    pub async fn create_product(&self, params: &CreateProduct) -> Result<Product, Error> {
        self.post(&["v1", "products"], params, &IdempotencyKey::generate())
            .await
    }

    pub async fn retrieve_product(&self, id: &str) -> Result<Product, Error> {
        self.get(&["v1", "products", checked_id(id)?], &[]).await
    }

    pub async fn create_price(&self, params: &CreatePrice) -> Result<Price, Error> {
        self.post(&["v1", "prices"], params, &IdempotencyKey::generate())
            .await
    }

    pub async fn retrieve_price(&self, id: &str) -> Result<Price, Error> {
        self.get(&["v1", "prices", checked_id(id)?], &[]).await
    }

    /// The key is the caller's, so it can be recorded before the request leaves and replayed after a crash.
    pub async fn create_checkout_session(
        &self,
        params: &CreateCheckoutSession,
        idempotency_key: &IdempotencyKey,
    ) -> Result<CheckoutSession, Error> {
        self.post(&["v1", "checkout", "sessions"], params, idempotency_key)
            .await
    }

    pub async fn retrieve_checkout_session(&self, id: &str) -> Result<CheckoutSession, Error> {
        self.get(&["v1", "checkout", "sessions", checked_id(id)?], &[])
            .await
    }

    /// Only valid while the session is open; a payment may land just before, so re-read the session after.
    pub async fn expire_checkout_session(&self, id: &str) -> Result<CheckoutSession, Error> {
        let path = ["v1", "checkout", "sessions", checked_id(id)?, "expire"];
        self.post(&path, &serde_json::json!({}), &IdempotencyKey::generate())
            .await
    }

    /// The newest sessions; with `limit = 1` a cheap read-only call that proves the key works.
    pub async fn list_checkout_sessions(&self, limit: u32) -> Result<List<CheckoutSession>, Error> {
        self.list_checkout_sessions_after(limit, None).await
    }

    /// One page of sessions, newest first; `starting_after` is the last id of the page before. An item that
    /// cannot be read is left out (see [`List`]); [`Client::list_checkout_session_values_after`] keeps every one.
    pub async fn list_checkout_sessions_after(
        &self,
        limit: u32,
        starting_after: Option<&str>,
    ) -> Result<List<CheckoutSession>, Error> {
        self.list_sessions_page(limit, starting_after).await
    }

    /// One page of sessions as WooshPay sent them, none left out: for reconciliation, where a session that cannot
    /// be read must stop the comparison rather than vanish from it.
    pub async fn list_checkout_session_values_after(
        &self,
        limit: u32,
        starting_after: Option<&str>,
    ) -> Result<List<serde_json::Value>, Error> {
        self.list_sessions_page(limit, starting_after).await
    }

    async fn list_sessions_page<T: DeserializeOwned>(
        &self,
        limit: u32,
        starting_after: Option<&str>,
    ) -> Result<List<T>, Error> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        if let Some(cursor) = starting_after {
            query.push(("starting_after", checked_id(cursor)?));
        }
        self.get(&["v1", "checkout", "sessions", "list"], &query)
            .await
    }

    pub async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, Error> {
        self.get(&["v1", "payment_intents", checked_id(id)?], &[])
            .await
    }

    /// `body` is the request exactly as the journal holds it, so a replay after a crash sends the same
    /// parameters under the same key, and WooshPay answers with the refund it already made.
    pub async fn create_refund(
        &self,
        body: &serde_json::Value,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Refund, Error> {
        self.post(&["v1", "refunds"], body, idempotency_key).await
    }

    pub async fn retrieve_refund(&self, id: &str) -> Result<Refund, Error> {
        self.get(&["v1", "refunds", checked_id(id)?], &[]).await
    }

    /// One page of refunds, newest first (all of them, or one payment intent's).
    pub async fn list_refunds_after(
        &self,
        limit: u32,
        starting_after: Option<&str>,
        payment_intent: Option<&str>,
    ) -> Result<List<Refund>, Error> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        if let Some(cursor) = starting_after {
            query.push(("starting_after", checked_id(cursor)?));
        }
        if let Some(intent) = payment_intent {
            query.push(("payment_intent", checked_id(intent)?));
        }
        self.get(&["v1", "refunds"], &query).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.send_with_retries(Method::GET, url, None, None).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &[&str],
        body: &impl Serialize,
        idempotency_key: &IdempotencyKey,
    ) -> Result<T, Error> {
        let url = self.url(path)?;
        let body = serde_json::to_vec(body).map_err(|e| Error::InvalidInput(e.to_string()))?;
        self.send_with_retries(Method::POST, url, Some(body), Some(idempotency_key))
            .await
    }

    fn url(&self, segments: &[&str]) -> Result<Url, Error> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| {
                Error::InvalidInput(format!("base URL {} cannot take a path", self.base_url))
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn send_with_retries<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<T, Error> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_retries)
            .with_jitter();
        let max_retry_after = self.retry.max_retry_after;
        let lost_answer = std::sync::atomic::AtomicBool::new(false);
        let attempt = || async {
            let result = self
                .send_once(method.clone(), url.clone(), body.clone(), idempotency_key)
                .await;
            if let Err(error) = &result
                && error.may_have_been_processed()
            {
                lost_answer.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            result
        };
        let result = attempt
            .retry(backoff)
            .when(Error::is_retryable)
            // Honour Retry-After, but only while the policy still allows another attempt.
            .adjust(|error, delay| delay.map(|d| error.retry_after().map_or(d, |ra| ra.min(max_retry_after))))
            .notify(|error, delay| {
                tracing::warn!(%method, path = url.path(), retry_in_ms = delay.as_millis() as u64, %error, "WooshPay request failed; retrying");
            })
            .await;
        match result {
            Err(error)
                if !error.may_have_been_processed()
                    && lost_answer.load(std::sync::atomic::Ordering::Relaxed) =>
            {
                Err(Error::AfterLostAnswer {
                    last: Box::new(error),
                })
            }
            other => other,
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<T, Error> {
        let path = url.path().to_owned();
        let mut request = self.http.request(method.clone(), url);
        if let Some(timeout) = self.attempt_timeout {
            request = request.timeout(timeout);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key.as_str());
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| snippet(v.as_bytes()));
        let bytes = response.bytes().await.map_err(transport_error)?;
        tracing::debug!(%method, path, status = status.as_u16(), bytes = bytes.len(), "WooshPay response");
        read_response(status, retry_after, location, &bytes)
    }
}

fn basic_auth_header(key: &SecretKey) -> Result<HeaderValue, Error> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:", key.expose()));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
        Error::InvalidInput("the secret key contains characters not allowed in a header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Ids go into URL paths: refuse anything that is not a plain WooshPay id.
fn checked_id(id: &str) -> Result<&str, Error> {
    let plain = !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        Ok(id)
    } else {
        Err(Error::InvalidInput(format!(
            "{id:?} is not a WooshPay object id"
        )))
    }
}

#[cfg(test)]
mod tests;
