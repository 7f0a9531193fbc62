use serde::{Deserialize, Serialize};

/// WooshPay's list envelope. `has_more` and `url` are sent as `null` inside sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    pub object: Option<String>,
    #[serde(
        default = "Vec::new",
        deserialize_with = "crate::wooshpay::null_as_default",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub data: Vec<T>,
    pub has_more: Option<bool>,
    pub url: Option<String>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self {
            object: Some("list".into()),
            data: Vec::new(),
            has_more: Some(false),
            url: None,
        }
    }
}
