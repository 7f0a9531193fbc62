use serde::{Deserialize, Serialize};

use super::{CreateProduct, Expandable, HasId, Metadata, Product, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub id: String,
    pub object: Option<String>,
    pub active: Option<bool>,
    pub currency: Option<String>,
    pub unit_amount: Option<i64>,
    pub product: Option<Expandable<Product>>,
    #[serde(rename = "type")]
    pub price_type: Option<PriceType>,
    pub billing_scheme: Option<String>,
    pub nickname: Option<String>,
    pub lookup_key: Option<String>,
    pub metadata: Option<Metadata>,
    pub livemode: Option<bool>,
    pub created: Option<Timestamp>,
}

impl HasId for Price {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceType {
    OneTime,
    Recurring,
    #[serde(other)]
    Unknown,
}

/// Body of `POST /v1/prices`: either for an existing product, or creating one inline (the seed's two variants).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatePrice {
    pub currency: String,
    pub unit_amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_data: Option<CreateProduct>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl CreatePrice {
    pub fn for_product(product_id: &str, currency: &str, unit_amount: i64) -> Self {
        Self {
            currency: currency.to_owned(),
            unit_amount,
            product: Some(product_id.to_owned()),
            product_data: None,
            active: Some(true),
            nickname: None,
            lookup_key: None,
            metadata: None,
        }
    }

    pub fn with_new_product(product: CreateProduct, currency: &str, unit_amount: i64) -> Self {
        Self {
            currency: currency.to_owned(),
            unit_amount,
            product: None,
            product_data: Some(product),
            active: Some(true),
            nickname: None,
            lookup_key: None,
            metadata: None,
        }
    }
}
