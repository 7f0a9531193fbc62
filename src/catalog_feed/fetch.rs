//! One conditional GET of the catalog (or its signature): bounded in time, size and redirects.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, USER_AGENT,
};
use url::Url;

/// How long and how much the kiosk waits for: a catalog is a few kilobytes, so a larger answer is a mistake
/// (or an attack) and a slow one must not keep a fresh kiosk from starting.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_bytes: usize,
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_bytes: 1024 * 1024,
            max_redirects: 3,
        }
    }
}

/// The validators of the copy the kiosk holds, sent back so an unchanged file costs a 304 and no body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

pub struct Fetcher {
    http: reqwest::Client,
    limits: Limits,
}

impl Fetcher {
    pub fn new(limits: Limits) -> Result<Self, String> {
        crate::wooshpay::install_tls_provider();
        let max_redirects = limits.max_redirects;
        let http = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            // A web server may move the file (to a CDN, say), but never from https down to plain http, where
            // anybody on the way could hand the kiosk other prices.
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                let downgrade = attempt.url().scheme() == "http"
                    && attempt.previous().iter().any(|u| u.scheme() == "https");
                if attempt.previous().len() > max_redirects {
                    attempt.error(format!("more than {max_redirects} redirects"))
                } else if downgrade {
                    attempt.error("refused a redirect from https to plain http")
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| format!("cannot set up HTTPS for the catalog feed: {}", chain(&e)))?;
        Ok(Self { http, limits })
    }

    /// GETs `url`; with `validators`, conditionally. Any answer but 200 or 304 is an error naming the URL.
    pub async fn get(&self, url: &Url, validators: Option<&Validators>) -> Result<Fetched, String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            concat!("wooshpay-kiosk/", env!("CARGO_PKG_VERSION"))
                .parse()
                .expect("constant header"),
        );
        if let Some(validators) = validators {
            // A validator that is no valid header value is left out: the worst case is a full download.
            if let Some(etag) = validators.etag.as_deref().and_then(|v| v.parse().ok()) {
                headers.insert(IF_NONE_MATCH, etag);
            }
            if let Some(date) = validators
                .last_modified
                .as_deref()
                .and_then(|v| v.parse().ok())
            {
                headers.insert(IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = self
            .http
            .get(url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| format!("{url}: {}", transport(&e, &self.limits)))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && validators.is_some() {
            return Ok(Fetched::NotModified);
        }
        if status != StatusCode::OK {
            return Err(format!(
                "{url}: the server answered {status}, expected 200 OK"
            ));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let too_large = || {
            format!(
                "{url}: the file is larger than {} KiB; a catalog is expected to be far smaller",
                self.limits.max_bytes / 1024
            )
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.limits.max_bytes as u64)
        {
            return Err(too_large());
        }
        // Read in chunks so a server that sends without end (or lies about the length) is cut off at the limit.
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            format!(
                "{url}: the download broke off: {}",
                transport(&e, &self.limits)
            )
        })? {
            if bytes.len() + chunk.len() > self.limits.max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { bytes, validators })
    }
}

fn transport(error: &reqwest::Error, limits: &Limits) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", limits.request_timeout.as_secs())
    } else if error.is_redirect() {
        format!("redirect refused: {}", chain(error))
    } else if error.is_connect() {
        format!("cannot connect: {}", chain(error))
    } else {
        chain(error)
    }
}

/// reqwest's own message is only "error sending request"; the reason (refused, DNS, certificate) is below it.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}
