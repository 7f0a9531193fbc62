//! Scriptable faults: what the next N matching API requests suffer.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FaultRule {
    /// `None`: any method.
    pub method: Option<String>,
    /// Exact path, where `*` stands for exactly one segment: `/v1/checkout/sessions/*/expire`.
    pub path: String,
    /// Applies to the next `count` matching requests.
    pub count: u32,
    /// Handle the request for real first (objects created, idempotency stored), then serve the fault instead
    /// of the answer: a response lost on its way back.
    #[serde(default)]
    pub after_processing: bool,
    pub fault: Fault,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The JSON error envelope with this status, and a `Retry-After` header when given.
    Status {
        status: u16,
        retry_after_s: Option<u64>,
    },
    /// A proxy's HTML error page.
    HtmlError { status: u16 },
    /// 200 with a truncated JSON body.
    MalformedJson,
    /// Wait, then answer normally.
    Delay { ms: u64 },
    /// Headers at once, then the body dribbled out over `ms`.
    SlowBody { ms: u64 },
    /// Close the connection without a response.
    Drop,
    /// Pay the session named in the path, then handle the request: a payment landing just before it.
    PayFirst,
    /// A redirect with this `Location` instead of an answer (a misconfigured proxy, or a hostile gateway
    /// pointing the kiosk at another session or another host).
    Redirect { status: u16, location: String },
    /// Handle the request for real, then change fields of a JSON object answer before sending it: a dotted
    /// path (`metadata.kiosk_id`) names a nested field. A gateway whose answer is not this sale's, or whose
    /// field types changed.
    Mutate {
        set: serde_json::Map<String, serde_json::Value>,
    },
}

impl FaultRule {
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.count > 0
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && glob_matches(&self.path, path)
    }
}

impl Fault {
    pub(crate) fn describe(&self) -> String {
        match self {
            Fault::Status {
                status,
                retry_after_s: Some(s),
            } => format!("status {status}, Retry-After {s}"),
            Fault::Status {
                status,
                retry_after_s: None,
            } => format!("status {status}"),
            Fault::HtmlError { status } => format!("HTML error page {status}"),
            Fault::MalformedJson => "malformed JSON".into(),
            Fault::Delay { ms } => format!("delay {ms} ms"),
            Fault::SlowBody { ms } => format!("slow body over {ms} ms"),
            Fault::Drop => "dropped connection".into(),
            Fault::PayFirst => "paid before handling".into(),
            Fault::Redirect { status, location } => format!("redirect {status} to {location}"),
            Fault::Mutate { set } => {
                let fields: Vec<&str> = set.keys().map(String::as_str).collect();
                format!("answer mutated ({})", fields.join(", "))
            }
        }
    }
}

/// Sets `path` (dotted for nested objects) in a JSON object, creating objects on the way.
pub(crate) fn set_path(target: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut node = target;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = serde_json::Value::Object(serde_json::Map::new());
        }
        let map = node.as_object_mut().expect("made an object above");
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        node = map
            .entry(part.to_owned())
            .or_insert(serde_json::Value::Null);
    }
}

fn glob_matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_exactly_one_segment() {
        assert!(glob_matches(
            "/v1/checkout/sessions",
            "/v1/checkout/sessions"
        ));
        assert!(!glob_matches(
            "/v1/checkout/sessions",
            "/v1/checkout/sessions/cs_1/expire"
        ));
        assert!(glob_matches(
            "/v1/checkout/sessions/*",
            "/v1/checkout/sessions/cs_1"
        ));
        assert!(!glob_matches(
            "/v1/checkout/sessions/*",
            "/v1/checkout/sessions/cs_1/expire"
        ));
        assert!(glob_matches(
            "/v1/checkout/sessions/*/expire",
            "/v1/checkout/sessions/cs_1/expire"
        ));
        assert!(glob_matches(
            "/v1/checkout/sessions/*",
            "/v1/checkout/sessions/cs_1?expand=x"
        ));
    }
}
