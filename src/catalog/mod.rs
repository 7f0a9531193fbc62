//! The catalog file: repeated `[[item]]` tables, amounts in integer minor units.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

mod item;

use item::{parse_item, translations};

use crate::i18n::Language;
use crate::money::{Currency, Money};

/// Ids the kiosk gives its own cart lines (custom amounts); a catalog item may not start with it, so a custom
/// amount can never be mistaken for a catalog item or the other way round.
pub const RESERVED_ID_PREFIX: &str = "custom-";

/// Stripe's and WooshPay's ceiling for one amount: eight digits of minor units.
pub const MAX_UNIT_AMOUNT: i64 = 99_999_999;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CatalogItem {
    pub id: String,
    pub name: String,
    pub unit_amount: i64,
    pub description: Option<String>,
    pub category: Option<String>,
    pub image: Option<PathBuf>,
    /// `stock = N`: how many there are to sell; paid sales count it down. `None`: not counted.
    pub stock: Option<u32>,
    /// `tax_rate = 20` (or `7.5`, `"7.5"`, `0`): this item's tax rate in percent; `None`: `[checkout] tax_rate`.
    #[serde(default)]
    pub tax_rate: Option<crate::tax::TaxRate>,
    /// `names = { de = "Milchkaffee", zh-CN = "拿铁" }`: the name in other languages.
    #[serde(skip)]
    pub names: Vec<(Language, String)>,
    /// `descriptions = { de = "…" }`: the description in other languages.
    #[serde(skip)]
    pub descriptions: Vec<(Language, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    pub currency: Currency,
    pub items: Vec<CatalogItem>,
    /// `[categories.Coffee] de = "Kaffee"`: a category's name in other languages.
    pub category_names: Vec<(String, Vec<(Language, String)>)>,
    /// `serial = N`: grows with each published catalog; a signed feed never goes back to a lower one.
    pub serial: Option<u64>,
    /// `expires = 2027-01-31T00:00:00Z`: after this a signed catalog is no longer current (a feed frozen by
    /// an attacker answering 304 shows up as an expired catalog).
    pub expires: Option<jiff::Timestamp>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(pub String);

impl Catalog {
    pub fn load(path: &Path, currency: Currency) -> Result<Self, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CatalogError(format!(
                "{}: cannot read the catalog file: {e}",
                path.display()
            ))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, path, base, currency)
    }

    /// `origin` names the file in messages; `base` is where relative image paths start.
    pub fn parse(
        text: &str,
        origin: &Path,
        base: &Path,
        currency: Currency,
    ) -> Result<Self, CatalogError> {
        let file = origin.display();
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| CatalogError(crate::toml_errors::describe(origin, text, &e)))?;
        for key in table.keys() {
            if !matches!(key.as_str(), "item" | "categories" | "serial" | "expires") {
                return Err(CatalogError(format!(
                    "{file}: unknown key `{key}`: a catalog holds [[item]] tables, an optional [categories] \
                     table, and optional top-level `serial` and `expires`"
                )));
            }
        }
        let serial = match table.get("serial") {
            None => None,
            Some(toml::Value::Integer(n)) if *n >= 0 => Some(n.unsigned_abs()),
            Some(other) => {
                return Err(CatalogError(format!(
                    "{file}: `serial` must be a whole number from 0 up (bump it for each catalog you publish), \
                     got {other}"
                )));
            }
        };
        let expires = match table.get("expires") {
            None => None,
            Some(value) => {
                let text = match value {
                    toml::Value::Datetime(when) => when.to_string(),
                    toml::Value::String(when) => when.clone(),
                    other => other.to_string(),
                };
                Some(text.parse::<jiff::Timestamp>().map_err(|_| {
                    CatalogError(format!(
                        "{file}: `expires` must be a time with its offset, such as 2027-01-31T00:00:00Z, got {text}"
                    ))
                })?)
            }
        };
        let raw_items = match table.get("item") {
            None => {
                return Err(CatalogError(format!(
                    "{file}: the catalog has no [[item]] entries"
                )));
            }
            Some(toml::Value::Array(items)) => items,
            Some(_) => {
                return Err(CatalogError(format!(
                    "{file}: `item` must be written as [[item]] tables"
                )));
            }
        };
        if raw_items.is_empty() {
            return Err(CatalogError(format!(
                "{file}: the catalog has no [[item]] entries"
            )));
        }
        let mut seen = HashSet::new();
        let mut items = Vec::with_capacity(raw_items.len());
        for (index, raw) in raw_items.iter().enumerate() {
            let item = parse_item(raw, index, base, currency)
                .map_err(|e| CatalogError(format!("{file}: {e}")))?;
            if !seen.insert(item.id.clone()) {
                return Err(CatalogError(format!(
                    "{file}: item {} has id \"{}\", which an earlier item already uses: item ids must be unique",
                    index + 1,
                    item.id
                )));
            }
            items.push(item);
        }
        let category_names = match table.get("categories") {
            None => Vec::new(),
            Some(toml::Value::Table(categories)) => categories
                .iter()
                .map(|(category, _)| {
                    translations(categories, category, &format!("[categories] {category:?}"))
                        .map(|names| (category.clone(), names))
                })
                .collect::<Result<_, _>>()
                .map_err(|e| CatalogError(format!("{file}: {e}")))?,
            Some(other) => {
                return Err(CatalogError(format!(
                    "{file}: `categories` must be a table such as [categories.Coffee] de = \"Kaffee\", got a {}",
                    other.type_str()
                )));
            }
        };
        Ok(Self {
            currency,
            items,
            category_names,
            serial,
            expires,
        })
    }

    /// `(item id, stock = N)` of every item: the levels the journal's stock ledger takes in.
    pub fn stock_levels(&self) -> Vec<(String, Option<u32>)> {
        self.items
            .iter()
            .map(|item| (item.id.clone(), item.stock))
            .collect()
    }

    pub fn item(&self, id: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|item| item.id == id)
    }

    pub fn price_of(&self, item: &CatalogItem) -> Money {
        Money::new(item.unit_amount, self.currency)
    }

    /// The catalog as a customer reading `language` sees it: each item's name and description in that
    /// language where the file gives one, else as written.
    pub fn in_language(&self, language: Language) -> Catalog {
        let pick = |translations: &[(Language, String)]| {
            translations
                .iter()
                .find(|(l, _)| *l == language)
                .map(|(_, text)| text.clone())
        };
        let category = |name: &Option<String>| {
            name.as_ref().map(|name| {
                self.category_names
                    .iter()
                    .find(|(category, _)| category == name)
                    .and_then(|(_, names)| pick(names))
                    .unwrap_or_else(|| name.clone())
            })
        };
        Catalog {
            currency: self.currency,
            items: self
                .items
                .iter()
                .map(|item| CatalogItem {
                    name: pick(&item.names).unwrap_or_else(|| item.name.clone()),
                    description: pick(&item.descriptions).or_else(|| item.description.clone()),
                    category: category(&item.category),
                    ..item.clone()
                })
                .collect(),
            category_names: self.category_names.clone(),
            serial: self.serial,
            expires: self.expires,
        }
    }

    /// Whether `expires` has passed at `now`.
    pub fn expired_at(&self, now: jiff::Timestamp) -> bool {
        self.expires.is_some_and(|expires| expires <= now)
    }
}

#[cfg(test)]
mod tests;
