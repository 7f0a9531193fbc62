//! The catalog screen: the catalog on sale, its category tabs in the order the file first names them, which
//! tab is selected, and the items that tab shows.

use crate::catalog::{Catalog, CatalogItem};
use crate::i18n::Language;

pub struct CatalogView {
    /// The catalog as the file writes it.
    base: Catalog,
    /// In the language the kiosk speaks now: what the tiles, the cart and a sale's lines show.
    catalog: Catalog,
    language: Language,
    /// `""` is the tab of items without a category; empty when no item has one (then there are no tabs).
    categories: Vec<String>,
    selected: usize,
}

impl CatalogView {
    pub fn new(catalog: Catalog) -> Self {
        Self {
            categories: categories(&catalog),
            base: catalog.clone(),
            catalog,
            language: Language::default(),
            selected: 0,
        }
    }

    /// The kiosk's language changed: item names and descriptions follow where the catalog translates them.
    /// The tabs are renamed in place: the same tab stays selected.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.catalog = self.base.in_language(language);
        self.categories = categories(&self.catalog);
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    /// A tap on a tab; an index with no tab (a stale tap) changes nothing.
    pub fn select(&mut self, index: usize) {
        if index < self.categories.len() {
            self.selected = index;
        }
    }

    /// A reloaded catalog: the selected tab stays if the new catalog still has it, else the first one.
    pub fn replace(&mut self, catalog: Catalog) {
        let current = self.categories.get(self.selected).cloned();
        self.catalog = catalog.in_language(self.language);
        self.base = catalog;
        self.categories = categories(&self.catalog);
        self.selected = current
            .and_then(|name| self.categories.iter().position(|c| *c == name))
            .unwrap_or(0);
    }

    /// The items the selected tab shows: all of them when there are no tabs.
    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        let category = self.categories.get(self.selected).map(String::as_str);
        self.catalog
            .items
            .iter()
            .filter(move |item| category.is_none_or(|c| category_of(item) == c))
    }
}

fn categories(catalog: &Catalog) -> Vec<String> {
    if catalog.items.iter().all(|item| item.category.is_none()) {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for item in &catalog.items {
        let name = category_of(item);
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn category_of(item: &CatalogItem) -> &str {
    item.category.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::money::Currency;

    fn catalog(items: &[(&str, Option<&str>)]) -> Catalog {
        let text: String = items
            .iter()
            .map(|(id, category)| {
                let category = category.map_or(String::new(), |c| format!("category=\"{c}\"\n"));
                format!("[[item]]\nid=\"{id}\"\nname=\"{id}\"\nunit_amount=100\n{category}")
            })
            .collect();
        Catalog::parse(
            &text,
            Path::new("c.toml"),
            Path::new("."),
            Currency::from_code("GBP").unwrap(),
        )
        .unwrap()
    }

    fn shown(view: &CatalogView) -> Vec<&str> {
        view.items().map(|item| item.id.as_str()).collect()
    }

    #[test]
    fn tabs_come_in_the_order_the_catalog_first_names_them() {
        let view = CatalogView::new(catalog(&[
            ("tea", Some("Tea")),
            ("latte", Some("Coffee")),
            ("chai", Some("Tea")),
            ("cookie", None),
        ]));
        assert_eq!(view.categories(), ["Tea", "Coffee", ""]);
        assert_eq!(shown(&view), ["tea", "chai"], "the first tab is selected");
    }

    #[test]
    fn without_categories_there_are_no_tabs_and_every_item_shows() {
        let view = CatalogView::new(catalog(&[("latte", None), ("cookie", None)]));
        assert!(view.categories().is_empty());
        assert_eq!(shown(&view), ["latte", "cookie"]);
    }

    #[test]
    fn a_tap_selects_a_tab_and_a_stale_index_changes_nothing() {
        let mut view = CatalogView::new(catalog(&[("tea", Some("Tea")), ("cookie", None)]));
        view.select(1);
        assert_eq!((view.selected(), shown(&view)), (1, vec!["cookie"]));
        view.select(7);
        assert_eq!(view.selected(), 1);
    }

    #[test]
    fn a_reload_keeps_the_selected_tab_while_it_exists() {
        let mut view =
            CatalogView::new(catalog(&[("tea", Some("Tea")), ("latte", Some("Coffee"))]));
        view.select(1);
        view.replace(catalog(&[
            ("cake", Some("Cakes")),
            ("latte", Some("Coffee")),
            ("tea", Some("Tea")),
        ]));
        assert_eq!((view.selected(), shown(&view)), (1, vec!["latte"]));
        view.replace(catalog(&[("tea", Some("Tea"))]));
        assert_eq!(
            (view.selected(), shown(&view)),
            (0, vec!["tea"]),
            "gone: the first tab"
        );
    }

    #[test]
    fn the_catalog_follows_the_kiosks_language_and_a_reload_keeps_it() {
        let text = "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\nnames = { de = \"Milchkaffee\" }\n";
        let parse = |text: &str| {
            Catalog::parse(
                text,
                std::path::Path::new("c.toml"),
                std::path::Path::new("."),
                crate::money::Currency::from_code("GBP").unwrap(),
            )
            .unwrap()
        };
        let mut view = CatalogView::new(parse(text));
        assert_eq!(view.catalog().items[0].name, "Latte");
        view.set_language(Language::German);
        assert_eq!(view.catalog().items[0].name, "Milchkaffee");
        view.replace(parse(&text.replace("Milchkaffee", "Latte macchiato")));
        assert_eq!(view.catalog().items[0].name, "Latte macchiato");
        view.set_language(Language::English);
        assert_eq!(view.catalog().items[0].name, "Latte");

        // Translated tabs: the same tab stays selected and still shows its items.
        let text = "[categories.Tea]\nde = \"Tee\"\n\
                    [[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\ncategory=\"Coffee\"\n\
                    [[item]]\nid=\"tea\"\nname=\"Tea\"\nunit_amount=250\ncategory=\"Tea\"\n";
        let mut view = CatalogView::new(parse(text));
        view.select(1);
        view.set_language(Language::German);
        assert_eq!(view.categories(), ["Coffee", "Tee"]);
        assert_eq!(view.selected(), 1);
        assert_eq!(
            view.items().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["tea"]
        );
    }
}
