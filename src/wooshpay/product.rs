use serde::{Deserialize, Serialize};

use super::{HasId, Metadata, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub object: Option<String>,
    pub name: Option<String>,
    pub active: Option<bool>,
    pub description: Option<String>,
    pub metadata: Option<Metadata>,
    pub url: Option<String>,
    pub images: Option<Vec<String>>,
    pub livemode: Option<bool>,
    pub created: Option<Timestamp>,
    pub updated: Option<Timestamp>,
}

impl HasId for Product {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Body of `POST /v1/products`, and the `product_data` of an inline price.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateProduct {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
}
