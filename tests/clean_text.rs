//! Catalog text is printable and its images stay in the catalog's directory (issue 24, point 6): the real
//! binary's `check` refuses what would act on a terminal, a receipt printer or WooshPay's line items, and
//! `sales --csv` never passes a control character on, whatever an older journal holds.

mod common;

use common::Shop;
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, RecordedOutcome};

fn shop_with_catalog(catalog: &str) -> Shop {
    let shop = Shop::new("http://127.0.0.1:9", "");
    std::fs::write(shop.dir.path().join("catalog.toml"), catalog).unwrap();
    shop
}

async fn check(shop: &Shop) -> (Option<i32>, String) {
    let output = shop.command(&["check"]).output().await.unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn control_characters_in_catalog_text_are_refused_naming_the_item() {
    for (field, value) in [
        ("name", "\\u001b[2J\\u001b[31mLatte"),
        ("name", "Latte\\nTOTAL 0.00"),
        ("description", "Double\\u0007 shot"),
        ("category", "Coffee\\u202e"),
    ] {
        let extra = if field == "name" {
            String::new()
        } else {
            format!("{field} = \"{value}\"\n")
        };
        let name = if field == "name" { value } else { "Latte" };
        let shop = shop_with_catalog(&format!(
            "[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 250\n\
             [[item]]\nid = \"latte\"\nname = \"{name}\"\nunit_amount = 340\n{extra}"
        ));
        let (code, stderr) = check(&shop).await;
        assert_eq!(code, Some(2), "{field} = {value}: {stderr}");
        assert!(
            stderr.contains("item 2 (id \"latte\"): `")
                && stderr.contains(&format!("`{field}` holds the control character U+")),
            "{field} = {value}: {stderr}"
        );
        assert!(
            !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
            "the error itself is clean: {stderr:?}"
        );
    }
    // Translations too.
    let shop = shop_with_catalog(
        "[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 340\nnames = { de = \"Milch\\u001bkaffee\" }\n",
    );
    let (code, stderr) = check(&shop).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`names.de` holds the control character U+001B"),
        "{stderr}"
    );
}

#[tokio::test]
async fn image_paths_stay_inside_the_catalogs_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), b"not for the screen").unwrap();
    let absolute = outside.path().join("secret.png");
    for image in [
        absolute.display().to_string(),
        "../secret.png".to_owned(),
        "images/../../secret.png".to_owned(),
        "linked.png".to_owned(),
    ] {
        let shop = shop_with_catalog(&format!(
            "[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 340\nimage = \"{image}\"\n"
        ));
        std::os::unix::fs::symlink(&absolute, shop.dir.path().join("linked.png")).unwrap();
        let (code, stderr) = check(&shop).await;
        assert_eq!(code, Some(2), "image = {image}: {stderr}");
        assert!(
            stderr.contains("item 1 (id \"latte\"): `image`")
                && (stderr.contains("must be a path inside the catalog's directory")
                    || stderr.contains("leads outside the catalog's directory")),
            "image = {image}: {stderr}"
        );
    }
    // An image beside the catalog is fine.
    let shop = shop_with_catalog(
        "[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 340\nimage = \"images/latte.png\"\n",
    );
    std::fs::create_dir(shop.dir.path().join("images")).unwrap();
    std::fs::write(shop.dir.path().join("images/latte.png"), b"png").unwrap();
    let (code, stderr) = check(&shop).await;
    assert_ne!(
        code,
        Some(2),
        "an image inside the directory is accepted: {stderr}"
    );
    assert!(!stderr.contains("`image`"), "{stderr}");
}

#[tokio::test]
async fn sales_csv_never_passes_a_control_character_to_the_terminal() {
    // A journal written before names were checked (or by hand) may hold anything.
    let shop = Shop::new("http://127.0.0.1:9", "");
    let state = shop.dir.path().join("state");
    wooshpay_kiosk::state::files::create_private_dir(&state).unwrap();
    let journal = Journal::open(&state.join(JOURNAL_FILE)).unwrap();
    let mut order = common::latte_order(340);
    order.lines[0].name = "\u{1b}]0;owned\u{7}\u{1b}[2JLatte\r\n=cmd".into();
    let now = wooshpay_kiosk::journal::now_ms();
    let sale = journal
        .begin_sale("test-kiosk-ctl-1", "key-ctl-1", &order, "{}", now)
        .unwrap();
    journal
        .session_created(sale, "cs_ctl_1", "https://pay.example/cs_ctl_1", now)
        .unwrap();
    journal
        .finish(sale, RecordedOutcome::Paid, "", now)
        .unwrap();
    drop(journal);

    for format in [&["sales", "--csv"][..], &["sales"][..]] {
        let output = shop.command(format).output().await.unwrap();
        assert!(output.status.success(), "{format:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("Latte"), "{format:?}: {text}");
        let unsafe_chars: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(
            unsafe_chars.is_empty(),
            "{format:?} printed {unsafe_chars:?}: {text:?}"
        );
    }
}
