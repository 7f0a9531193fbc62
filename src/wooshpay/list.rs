use serde::{Deserialize, Serialize};

/// WooshPay's list envelope. `has_more` and `url` are sent as `null` inside sessions; an item that cannot be
/// read is skipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct List<T> {
    pub object: Option<String>,
    #[serde(
        default = "Vec::new",
        deserialize_with = "crate::wooshpay::lenient_items",
        bound(deserialize = "T: serde::de::DeserializeOwned")
    )]
    pub data: Vec<T>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub has_more: Option<bool>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
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
