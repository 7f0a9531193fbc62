//! The catalog file: repeated `[[item]]` tables, amounts in integer minor units.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

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
            if key != "item" && key != "categories" {
                return Err(CatalogError(format!(
                    "{file}: unknown key `{key}`: a catalog holds [[item]] tables and an optional [categories] table"
                )));
            }
        }
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
        })
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
        }
    }
}

fn parse_item(
    raw: &toml::Value,
    index: usize,
    base: &Path,
    currency: Currency,
) -> Result<CatalogItem, String> {
    let number = index + 1;
    let table = raw
        .as_table()
        .ok_or_else(|| format!("item {number} must be a table"))?;
    let id = match table.get("id") {
        Some(toml::Value::String(id)) => id.clone(),
        Some(other) => {
            return Err(format!(
                "item {number}: `id` must be a string, got {}",
                other.type_str()
            ));
        }
        None => return Err(format!("item {number}: missing `id`")),
    };
    let label = format!("item {number} (id \"{id}\")");
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "{label}: `id` must be non-empty and use only letters, digits, '-', '_' and '.'"
        ));
    }
    if id.starts_with(RESERVED_ID_PREFIX) {
        return Err(format!(
            "{label}: ids starting with \"{RESERVED_ID_PREFIX}\" are reserved for the kiosk's custom amounts; rename the item"
        ));
    }
    for key in table.keys() {
        if !matches!(
            key.as_str(),
            "id" | "name"
                | "unit_amount"
                | "description"
                | "category"
                | "image"
                | "stock"
                | "names"
                | "descriptions"
        ) {
            return Err(format!(
                "{label}: unknown key `{key}`: expected id, name, unit_amount, description, category, image, \
                 stock, names or descriptions"
            ));
        }
    }
    let name = optional_string(table, "name", &label)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| format!("{label}: `name` must be a non-empty string"))?;
    let unit_amount = match table.get("unit_amount") {
        Some(toml::Value::Integer(amount)) => *amount,
        Some(toml::Value::Float(amount)) => {
            return Err(format!(
                "{label}: `unit_amount` must be an integer number of minor units of {currency} \
                 (e.g. 250 for {}), got {amount}",
                Money::new(250, currency)
            ));
        }
        Some(other) => {
            return Err(format!(
                "{label}: `unit_amount` must be an integer, got a {}",
                other.type_str()
            ));
        }
        None => {
            return Err(format!(
                "{label}: missing `unit_amount` (integer minor units)"
            ));
        }
    };
    if !(0..=MAX_UNIT_AMOUNT).contains(&unit_amount) {
        return Err(format!(
            "{label}: `unit_amount` must be between 0 and {MAX_UNIT_AMOUNT} minor units, got {unit_amount}"
        ));
    }
    let stock = match table.get("stock") {
        None => None,
        Some(toml::Value::Integer(count)) => Some(u32::try_from(*count).map_err(|_| {
            format!("{label}: `stock` must be a whole number from 0 up, got {count}")
        })?),
        Some(other) => {
            return Err(format!(
                "{label}: `stock` must be a whole number from 0 up, got a {}",
                other.type_str()
            ));
        }
    };
    let image = optional_string(table, "image", &label)?.map(|relative| base.join(relative));
    if let Some(path) = &image
        && !path.is_file()
    {
        return Err(format!(
            "{label}: `image` file {} does not exist",
            path.display()
        ));
    }
    Ok(CatalogItem {
        id,
        name: name.trim().to_owned(),
        unit_amount,
        description: optional_string(table, "description", &label)?
            .filter(|d| !d.trim().is_empty()),
        category: optional_string(table, "category", &label)?.filter(|c| !c.trim().is_empty()),
        image,
        stock,
        names: translations(table, "names", &label)?,
        descriptions: translations(table, "descriptions", &label)?,
    })
}

/// `names = { de = "Milchkaffee", zh-CN = "拿铁" }`: keys are the languages the kiosk speaks.
fn translations(
    table: &toml::Table,
    key: &str,
    label: &str,
) -> Result<Vec<(Language, String)>, String> {
    let Some(value) = table.get(key) else {
        return Ok(Vec::new());
    };
    let entries = value.as_table().ok_or_else(|| {
        format!(
            "{label}: `{key}` must be a table of languages, such as {key} = {{ de = \"…\" }}, got a {}",
            value.type_str()
        )
    })?;
    let mut translations = Vec::with_capacity(entries.len());
    for (code, text) in entries {
        let language = Language::from_code(code).ok_or_else(|| {
            format!(
                "{label}: `{key}.{code}`: not a language the kiosk speaks; expected one of {}",
                Language::supported_codes()
            )
        })?;
        let text = text
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("{label}: `{key}.{code}` must be a non-empty string"))?;
        translations.push((language, text.to_owned()));
    }
    Ok(translations)
}

fn optional_string(table: &toml::Table, key: &str, label: &str) -> Result<Option<String>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "{label}: `{key}` must be a string, got a {}",
            other.type_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_have_names_and_descriptions_in_other_languages() {
        let catalog = parse(
            "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\ndescription=\"Double shot\"\n\
             names = { de = \"Milchkaffee\", zh-CN = \"拿铁\" }\ndescriptions = { de = \"Doppelter Espresso\" }\n\
             [[item]]\nid=\"tea\"\nname=\"Tea\"\nunit_amount=250\n",
        )
        .unwrap();
        let german = catalog.in_language(Language::German);
        assert_eq!(german.items[0].name, "Milchkaffee");
        assert_eq!(
            german.items[0].description.as_deref(),
            Some("Doppelter Espresso")
        );
        assert_eq!(
            german.items[1].name, "Tea",
            "an item without a translation keeps its name"
        );
        let chinese = catalog.in_language(Language::SimplifiedChinese);
        assert_eq!(chinese.items[0].name, "拿铁");
        assert_eq!(chinese.items[0].description.as_deref(), Some("Double shot"));
        assert_eq!(catalog.in_language(Language::English), catalog);
        assert_eq!(german.items[0].unit_amount, 340, "only the words change");

        let catalog = parse(
            "[categories.Coffee]\nde = \"Kaffee\"\nzh-CN = \"咖啡\"\n\
             [[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\ncategory=\"Coffee\"\n\
             [[item]]\nid=\"tea\"\nname=\"Tea\"\nunit_amount=250\ncategory=\"Tea\"\n",
        )
        .unwrap();
        let german = catalog.in_language(Language::German);
        assert_eq!(german.items[0].category.as_deref(), Some("Kaffee"));
        assert_eq!(german.items[1].category.as_deref(), Some("Tea"));
        let error = parse(
            "[categories]\nCoffee = \"Kaffee\"\n[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=1\n",
        )
        .unwrap_err();
        assert!(
            error.contains("[categories] \"Coffee\": `Coffee` must be a table of languages"),
            "{error}"
        );

        let error = parse(
            "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\nnames = { fr = \"Café au lait\" }\n",
        )
        .unwrap_err();
        assert!(
            error.contains("item 1 (id \"latte\"): `names.fr`: not a language the kiosk speaks; expected one of \"en\""),
            "{error}"
        );
        let error = parse(
            "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\nnames = \"Milchkaffee\"\n",
        )
        .unwrap_err();
        assert!(
            error.contains("`names` must be a table of languages"),
            "{error}"
        );
    }

    fn parse(text: &str) -> Result<Catalog, String> {
        let gbp = Currency::from_code("GBP").unwrap();
        Catalog::parse(text, Path::new("shop/catalog.toml"), Path::new("shop"), gbp)
            .map_err(|e| e.0)
    }

    #[test]
    fn reads_items_with_optional_fields() {
        let catalog = parse(
            "[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 320\ncategory = \"Coffee\"\n\n\
             [[item]]\nid = \"water\"\nname = \"Water\"\nunit_amount = 100\n",
        )
        .unwrap();
        assert_eq!(catalog.items.len(), 2);
        assert_eq!(
            catalog.item("latte").unwrap().category.as_deref(),
            Some("Coffee")
        );
        assert_eq!(
            catalog.price_of(catalog.item("water").unwrap()).to_string(),
            "£1.00"
        );
    }

    #[test]
    fn every_error_names_the_file_and_the_item() {
        let cases = [
            (
                "[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=1\n[[item]]\nid=\"a\"\nname=\"B\"\nunit_amount=2\n",
                "already uses",
            ),
            (
                "[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=-5\n",
                "between 0 and",
            ),
            (
                "[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=2.5\n",
                "must be an integer number of minor units",
            ),
            (
                "[[item]]\nid=\"a\"\nname=\"  \"\nunit_amount=5\n",
                "`name` must be a non-empty string",
            ),
            (
                "[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=5\nprice=3\n",
                "unknown key `price`",
            ),
            (
                "[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=5\nimage=\"missing.png\"\n",
                "does not exist",
            ),
            ("currency = \"GBP\"\n", "unknown key `currency`"),
            ("", "no [[item]] entries"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with("shop/catalog.toml: "), "{error}");
            assert!(
                error.contains(expected),
                "{error:?} should contain {expected:?}"
            );
        }
        let error = parse("[[item]]\nid=\"latte\"\nname=\"A\"\nunit_amount=-5\n").unwrap_err();
        assert!(error.contains("item 1 (id \"latte\")"), "{error}");
    }
}
