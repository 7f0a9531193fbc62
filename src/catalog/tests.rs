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
    let error =
        parse("[categories]\nCoffee = \"Kaffee\"\n[[item]]\nid=\"a\"\nname=\"A\"\nunit_amount=1\n")
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
    let error =
        parse("[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\nnames = \"Milchkaffee\"\n")
            .unwrap_err();
    assert!(
        error.contains("`names` must be a table of languages"),
        "{error}"
    );
}

fn parse(text: &str) -> Result<Catalog, String> {
    let gbp = Currency::from_code("GBP").unwrap();
    Catalog::parse(text, Path::new("shop/catalog.toml"), Path::new("shop"), gbp).map_err(|e| e.0)
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
