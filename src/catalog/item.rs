//! One `[[item]]` table of a catalog file, checked field by field: every error names the item (its number and
//! id) and what was expected.

use std::path::{Component, Path, PathBuf};

use super::{CatalogItem, MAX_UNIT_AMOUNT, RESERVED_ID_PREFIX};
use crate::i18n::Language;
use crate::money::{Currency, Money};

pub(super) fn parse_item(
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
                | "tax_rate"
        ) {
            return Err(format!(
                "{label}: unknown key `{key}`: expected id, name, unit_amount, description, category, image, \
                 stock, tax_rate, names or descriptions"
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
    let tax_rate = table
        .get("tax_rate")
        .map(|value| {
            crate::tax::TaxRate::from_toml(value).map_err(|e| format!("{label}: `tax_rate`: {e}"))
        })
        .transpose()?;
    let image = optional_string(table, "image", &label)?
        .map(|relative| image_path(base, &relative, &label))
        .transpose()?;
    Ok(CatalogItem {
        id,
        name: name.trim().to_owned(),
        unit_amount,
        description: optional_string(table, "description", &label)?
            .filter(|d| !d.trim().is_empty()),
        category: optional_string(table, "category", &label)?.filter(|c| !c.trim().is_empty()),
        image,
        stock,
        tax_rate,
        names: translations(table, "names", &label)?,
        descriptions: translations(table, "descriptions", &label)?,
    })
}

/// `names = { de = "Milchkaffee", zh-CN = "拿铁" }`: keys are the languages the kiosk speaks.
pub(super) fn translations(
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
        printable(text, &format!("{key}.{code}"), label)?;
        translations.push((language, text.to_owned()));
    }
    Ok(translations)
}

fn optional_string(table: &toml::Table, key: &str, label: &str) -> Result<Option<String>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => printable(s, key, label).map(|()| Some(s.clone())),
        Some(other) => Err(format!(
            "{label}: `{key}` must be a string, got a {}",
            other.type_str()
        )),
    }
}

/// Catalog text goes to the screen, receipts, the CSV, the terminal and WooshPay's line items: a control
/// character (an escape sequence, a newline, a bell) or a bidirectional override would act on each of them
/// differently, so it is refused at load, naming the item and the field, rather than stripped in five places.
fn printable(text: &str, key: &str, label: &str) -> Result<(), String> {
    match text.chars().position(is_unprintable) {
        None => Ok(()),
        Some(at) => {
            let c = text.chars().nth(at).unwrap_or_default();
            Err(format!(
                "{label}: `{key}` holds the control character U+{:04X} at character {}; catalog text must be \
                 printable (no escape sequences, tabs, newlines or direction overrides)",
                c as u32,
                at + 1
            ))
        }
    }
}

fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `image` is relative to the catalog's directory and stays inside it: not absolute, no `..`, and not a
/// symlink out of it (the catalog may come from a feed; its images must not name any file on the kiosk).
fn image_path(base: &Path, relative: &str, label: &str) -> Result<PathBuf, String> {
    let inside = Path::new(relative)
        .components()
        .all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
    if relative.is_empty() || !inside {
        return Err(format!(
            "{label}: `image` must be a path inside the catalog's directory, such as \"images/latte.png\", \
             got {relative:?}"
        ));
    }
    let path = base.join(relative);
    if !path.is_file() {
        return Err(format!(
            "{label}: `image` file {} does not exist",
            path.display()
        ));
    }
    let escapes = match (path.canonicalize(), base.canonicalize()) {
        (Ok(file), Ok(dir)) => !file.starts_with(dir),
        _ => true,
    };
    if escapes {
        return Err(format!(
            "{label}: `image` {} leads outside the catalog's directory (through a symbolic link)",
            path.display()
        ));
    }
    Ok(path)
}
